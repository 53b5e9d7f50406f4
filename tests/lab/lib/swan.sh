# shellcheck shell=bash
# A strongSwan site in a lab namespace, as ../shared/lab/NOTES.md describes: charon with the
# userspace kernel-libipsec data plane (listed before kernel-netlink), a private /run, its own
# strongswan.conf, vici socket and swanctl directory under the lab dir.
#
# swan_start ROLE             start charon in ROLE's namespace (config must exist: swan_config)
# swan_config ROLE LOCAL_IP REMOTE_IP PSK IKE_PROPOSALS ESP_PROPOSALS [START_ACTION]
# swan_config_file ROLE SWANCTL_CONF [PLUGINS]   a ready swanctl.conf (e.g. vnetgw's device
#                             script) and, if given, charon's plugin list ("load = ...")
# swan_set_lifetimes ROLE IKE_REKEY IKE_OVER IKE_RAND CHILD_REKEY CHILD_LIFE CHILD_RAND
#                             lifetimes (swanctl.conf syntax, e.g. 40s) into swan_config's file
# swan_ctl ROLE ARGS...      swanctl against that charon
# swan_route ROLE PREFIX      route PREFIX through ipsec0 (route-based with libipsec)

swan_dir() { printf '%s/swan-%s' "$LAB_DIR" "$1"; }

SWAN_PLUGINS="random nonce openssl aesni aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey revocation constraints kernel-libipsec kernel-netlink socket-default vici updown"

# The directories and strongswan.conf of ROLE's charon: swan_base ROLE [PLUGINS]
swan_base() {
	local role=$1 plugins=${2:-$SWAN_PLUGINS} d
	d=$(swan_dir "$role")
	mkdir -p "$d/run"
	for sub in conf.d x509 x509ca x509ocsp x509aa x509ac x509crl pubkey private rsa ecdsa bliss pkcs8 pkcs12; do
		mkdir -p "$d/swanctl/$sub"
	done
	cat >"$d/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = $plugins
	install_routes = no
	retransmit_timeout = 1.0
	retransmit_tries = 3
	filelog {
		log {
			path = $d/charon.log
			time_format = %H:%M:%S
			time_add_ms = yes
			default = 1
			ike = 2
			knl = 1
			append = no
			flush_line = yes
		}
	}
	plugins {
		vici { socket = unix://$d/charon.vici }
	}
}
swanctl { load = pem pkcs1 x509 revocation constraints pubkey openssl random }
CONF
}

swan_config_file() {
	local role=$1 file=$2 d
	d=$(swan_dir "$role")
	swan_base "$role" "${3:-}" || return 1
	install -m 600 "$file" "$d/swanctl/swanctl.conf"
}

swan_config() {
	local role=$1 local_ip=$2 remote_ip=$3 psk=$4 ike=$5 esp=$6 start=${7:-none} d
	d=$(swan_dir "$role")
	swan_base "$role" || return 1
	cat >"$d/swanctl/swanctl.conf" <<CONF
connections {
	s2s {
		version = 2
		local_addrs = $local_ip
		remote_addrs = $remote_ip
		proposals = $ike
		encap = yes
		mobike = no
		dpd_delay = 30s
		local {
			auth = psk
			id = $local_ip
		}
		remote {
			auth = psk
			id = $remote_ip
		}
		children {
			net {
				mode = tunnel
				local_ts = 0.0.0.0/0
				remote_ts = 0.0.0.0/0
				esp_proposals = $esp
				dpd_action = restart
				start_action = $start
			}
		}
	}
}
secrets {
	ike-1 {
		id-1 = $local_ip
		id-2 = $remote_ip
		secret = "$psk"
	}
}
CONF
}

# strongSwan rekeys an IKE SA at rekey_time minus up to rand_time and deletes it over_time
# later; a CHILD_SA at rekey_time minus up to rand_time, hard at life_time.
swan_set_lifetimes() {
	local f
	f="$(swan_dir "$1")/swanctl/swanctl.conf"
	sed -i -e "s/^\t\tversion = 2\$/&\n\t\trekey_time = $2\n\t\tover_time = $3\n\t\trand_time = $4/" \
		-e "s/^\t\t\t\tmode = tunnel\$/&\n\t\t\t\trekey_time = $5\n\t\t\t\tlife_time = $6\n\t\t\t\trand_time = $7/" "$f"
	grep -q "life_time = $6" "$f"
}

swan_start() {
	local role=$1 d ns pid
	d=$(swan_dir "$role")
	ns=$(ns_name "$role")
	# Started directly (not through run) so that $! is charon itself: sh execs it.
	say "+ charon in $ns (config $d/strongswan.conf)"
	ip netns exec "$ns" sh -c "mount --bind '$d/run' /run && exec env STRONGSWAN_CONF='$d/strongswan.conf' /usr/lib/ipsec/charon" \
		>"$d/charon.out" 2>&1 &
	pid=$!
	lab_track "$pid"
	echo "$pid" >"$d/pid"
	wait_for 10 "charon vici socket in $role" test -S "$d/charon.vici" || return 1
	swan_ctl "$role" --load-all --noprompt >/dev/null || return 1
}

# swanctl wants its command first, then options: swan_ctl ROLE --list-sas [OPTIONS...]
swan_ctl() {
	local role=$1 cmd=$2 d
	shift 2
	d=$(swan_dir "$role")
	in_ns "$role" env STRONGSWAN_CONF="$d/strongswan.conf" SWANCTL_DIR="$d/swanctl" \
		swanctl "$cmd" --uri "unix://$d/charon.vici" "$@"
}

# kernel-libipsec puts "default dev ipsec0" in table 220; keep the site's own routes and send
# only the remote prefixes into the tunnel (NOTES.md).
swan_route() {
	local role=$1 prefix=$2
	in_ns "$role" ip rule add pref 210 lookup main suppress_prefixlength 0 2>/dev/null || true
	run in_ns "$role" ip route replace "$prefix" dev ipsec0
}

swan_established() {
	swan_ctl "$1" --list-sas 2>/dev/null | grep -q 'INSTALLED'
}
