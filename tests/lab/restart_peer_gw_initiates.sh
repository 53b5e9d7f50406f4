#!/usr/bin/env bash
# Issue 4: restart_peer.sh's second variant: vnetgwd initiates (and re-initiates with back-off
# after the dead peer), the site only responds.
exec bash "$(dirname "$0")/restart_peer.sh" gw-initiates
