#!/usr/bin/env bash
# Issue 13's etcd store under the real gateway: api_lifecycle.sh -- a connection created through
# the CLI carrying traffic, a second site, a site's prefixes and a key changed, a connection
# deleted, vnetgwd killed (-9) and restarted, the public IP moved and back -- with vnetgwd's store
# on an etcd the lab starts in the gateway's namespace (lib/api.sh, VNETGW_LAB_STORE=etcd).
# Every assertion is api_lifecycle's: the reconciler reads etcd (one snapshot a pass) exactly as
# it reads SQLite.
export VNETGW_LAB_STORE=etcd
exec bash "$(dirname "$0")/api_lifecycle.sh"
