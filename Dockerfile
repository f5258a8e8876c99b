# One image with every tskube component; the command picks one:
#   docker run --rm tskube:latest kube-apiserver --help
# Built from the already-compiled project (npm ci && npm run build first), so the build
# itself downloads nothing from npm. docker compose builds it on first `up`.
#
# NODE_IMAGE is the base: the public Node.js image by default. Where no registry can be
# reached, `npm run images -- --compose` builds a stand-in from this machine's own node
# binary (tskube.local/node:20) and passes it in here (see README, "Run as containers").
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only: the dev tools (TypeScript, test clients) stay behind.
FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/tskube
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
RUN npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error

FROM ${NODE_IMAGE}
# The kubelet sets each pod's service route with nsenter and ip; kube-proxy's nftables
# mode programs the node with nft and clears stale UDP flows with conntrack. The offline
# base image has them; a stock Node.js image gets them from Debian.
RUN if command -v ip && command -v nft && command -v nsenter && command -v conntrack; then :; \
    else apt-get update && apt-get install -y --no-install-recommends iproute2 nftables util-linux conntrack \
      && rm -rf /var/lib/apt/lists/*; fi
# The non-root user of the components that need no privilege (apiserver, scheduler,
# controller-manager, metrics-server); the kubelet and kube-proxy run as root (compose says so). Their
# credential folders belong to that user: a volume mounted there first takes the
# folder's owner, and `tskube pki` gives each file it writes its folder's owner.
RUN echo 'tskube:x:10001:10001:tskube:/nonexistent:/bin/false' >> /etc/passwd \
    && echo 'tskube:x:10001:' >> /etc/group \
    && mkdir -p /var/lib/tskube/pki /etc/tskube/scheduler /etc/tskube/controller-manager /etc/tskube/metrics-server /tmp \
    && chown 10001:10001 /var/lib/tskube /var/lib/tskube/pki /etc/tskube /etc/tskube/scheduler /etc/tskube/controller-manager /etc/tskube/metrics-server \
    && chmod 700 /var/lib/tskube/pki /etc/tskube/scheduler /etc/tskube/controller-manager /etc/tskube/metrics-server && chmod 1777 /tmp
WORKDIR /opt/tskube
COPY --from=deps /opt/tskube/node_modules ./node_modules
COPY package.json ./
COPY dist ./dist
COPY scripts/entrypoint.sh /usr/local/bin/tskube
# Each component's Node.js flags (client/node-flags.ts), for the entrypoint.
RUN node dist/client/node-flags.js > node-flags \
    && chmod 755 /usr/local/bin/tskube && ln -s /opt/tskube/dist/kubectl/tskubectl.js /usr/local/bin/tskubectl
ENV NODE_ENV=production
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/tskube"]
CMD ["help"]
