/* SPDX-License-Identifier: MIT */
/* The one place the version is written: the programs print it, the Makefile packages it. */
#ifndef VNETGW_LIB_VERSION_H
#define VNETGW_LIB_VERSION_H

#define VNETGW_VERSION "0.2.0"

#endif
