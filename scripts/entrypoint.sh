#!/bin/sh
# The tskube image's entrypoint and PID 1: `tskube <component> [flags]`.
#
# It starts the component as its child and behaves as tini (docker run --init) does:
# SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are passed on to the child,
# orphaned processes that end up here are reaped while it waits, and it exits with the
# child's status (128 + the signal's number when a signal ended it). A shell costs
# about 1 MB here, where a Node.js init would cost 40.
set -u

TSKUBE_HOME=/opt/tskube
DIST="$TSKUBE_HOME/dist"

usage() {
  cat <<EOF
usage: tskube <component> [flags]

components:
  kube-apiserver           the API server (etcd is its storage)
  kube-scheduler           binds pods to nodes
  kube-controller-manager  Deployments, ReplicaSets, endpoints, nodes, garbage collection...
  kubelet                  runs a node's pods on the Docker Engine of its mounted socket
  kube-proxy               Services and cluster DNS in the node's network namespace
  metrics-server           the resource metrics API (kubectl top, HPAs) behind its APIService
  kubectl                  our CLI (tskubectl)
  pki                      makes the cluster's certificates, keys and kubeconfigs where missing
  addons                   makes the cluster DNS Service and its RBAC, and metrics-server's objects (needs an admin kubeconfig)
  token                    makes a bootstrap token a new node joins with (needs an admin kubeconfig)
  kubeconfig               writes a kubeconfig with a client certificate signed by the cluster's CA
  cleanup                  removes the pods' containers and pod network of a compose project
  healthcheck <url>        exits 0 when the URL answers 200 (compose healthchecks)

'tskube <component> --help' lists a component's flags.
EOF
}

# Components run from their one-file bundles (scripts/bundles.ts; the kubelet from main.js).
case "${1:-}" in
  kube-apiserver|apiserver) component=kube-apiserver main=apiserver/kube-apiserver.js ;;
  kube-scheduler|scheduler) component=kube-scheduler main=scheduler/kube-scheduler.js ;;
  kube-controller-manager|controller-manager) component=kube-controller-manager main=controller-manager/kube-controller-manager.js ;;
  kubelet) component=kubelet main=kubelet/main.js ;;
  kube-proxy) component=kube-proxy main=kube-proxy/kube-proxy.js ;;
  metrics-server) component=metrics-server main=metrics-server/metrics-server.js ;;
  kubectl|tskubectl) component=kubectl main=kubectl/tskubectl.js ;;
  pki) component=pki main=scripts/pki.js ;;
  addons) component=addons main=scripts/addons.js ;;
  token) component=token main=scripts/bootstrap-token.js ;;
  kubeconfig) component=kubeconfig main=scripts/kubeconfig.js ;;
  cleanup) component=cleanup main=scripts/compose-cleanup.js ;;
  healthcheck) component=healthcheck main=scripts/healthcheck.js ;;
  ""|help|-h|--help) usage; exit 0 ;;
  *) echo "tskube: unknown component '$1'" >&2; usage >&2; exit 64 ;;
esac
# The component's Node.js flags, written at build time from client/node-flags.ts.
node_flags="$(sed -n "s/^$component //p" "$TSKUBE_HOME/node-flags" 2>/dev/null)"
shift

# Not PID 1 (docker run --init, or a shell in the container): no init duties, just run.
if [ "$$" != 1 ]; then
  # shellcheck disable=SC2086 # node_flags is a list of flags
  exec node $node_flags "$DIST/$main" "$@"
fi

# An asynchronous command's stdin is /dev/null unless given: hand it ours (fd 3), for
# `docker run -i ... kubectl apply -f -`.
exec 3<&0
# shellcheck disable=SC2086
node $node_flags "$DIST/$main" "$@" 0<&3 3<&- &
child=$!
exec 3<&-
for sig in TERM INT HUP QUIT USR1 USR2; do
  # shellcheck disable=SC2064 # the signal's name is meant to be expanded now
  trap "kill -$sig $child 2>/dev/null" "$sig"
done

# `wait` returns early (status > 128) when a trapped signal arrives; the child is then
# still there (alive, or a zombie not yet reaped), so wait again for its real status.
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
exit "$status"
