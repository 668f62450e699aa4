# The control plane (API + worker, embedded Temporal dev server unless TEMPORAL_ADDRESS is set).
# Both runners build this file from the context `npm run pipeline -- image` assembles in .build/image:
# locally on a debootstrapped base (no registry here), under Dagger on the official Node image.
ARG BASE_IMAGE=node:20-bookworm-slim
FROM ${BASE_IMAGE}

ENV NODE_ENV=production \
    BORG_API_HOST=0.0.0.0 \
    BORG_API_PORT=8080 \
    BORG_DATA_DIR=/var/lib/borg

RUN groupadd --system borg \
 && useradd --system --gid borg --home-dir /var/lib/borg --shell /usr/sbin/nologin borg \
 && mkdir -p /var/lib/borg \
 && chown borg:borg /var/lib/borg

COPY tools/temporal /usr/local/bin/temporal
# Owned by root: the service user can read the code but not change it.
COPY app /app

WORKDIR /app
USER borg
VOLUME /var/lib/borg
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=5s --start-period=90s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.BORG_API_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["node", "--import", "tsx", "src/main/start.ts"]
