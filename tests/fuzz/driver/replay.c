/* SPDX-License-Identifier: MIT */
/*
 * Corpus replayer: runs a fuzz target's LLVMFuzzerTestOneInput over every file named on the
 * command line (or every file in a directory), so the seed corpora run as regression tests in
 * `make check` with the ordinary compiler and the sanitizers of the build. A crash or sanitizer
 * report fails the run; a target returning non-zero is reported as a failure too.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;
	int r = -1;

	if (!f) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	/* An exact-size heap copy, so ASan sees any read past the input. */
	data = malloc(size ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size)
		goto out;
	r = LLVMFuzzerTestOneInput(data, (size_t)size);
	if (r != 0)
		fprintf(stderr, "replay: %s: target returned %d\n", path, r);
out:
	if (r < 0 && !data)
		fprintf(stderr, "replay: %s: cannot read\n", path);
	free(data);
	fclose(f);
	return r;
}

int main(int argc, char **argv)
{
	int i, failed = 0, ran = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			failed++;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int n = scandir(argv[i], &names, NULL, alphasort), j;

			if (n < 0) {
				failed++;
				continue;
			}
			for (j = 0; j < n; j++) {
				char path[4096];

				if (names[j]->d_name[0] != '.') {
					snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
					failed += replay_file(path) != 0;
					ran++;
				}
				free(names[j]);
			}
			free(names);
		} else {
			failed += replay_file(argv[i]) != 0;
			ran++;
		}
	}
	printf("replay: %d inputs, %d failed\n", ran, failed);
	return failed ? 1 : (ran ? 0 : 2);
}
