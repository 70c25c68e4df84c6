# A manifest directory (manifest + handlers, and their package.json if any) served by mcp-serve.
#   docker build --build-arg APP=examples/scalekit -t todo-mcp .
#   docker run --rm -p 3000:3000 -e SCALEKIT_ENVIRONMENT_URL -e SCALEKIT_RESOURCE_ID -e MCP_URL todo-mcp
# APP must be self-contained: nothing outside it is in the image (`mcp-serve validate` warns
# about handler imports that leave it).

FROM node:22-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: prepare builds dist/, and the sources are not copied yet; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
# The product only: tsconfig.build.json compiles src/, not the tests.
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY schemas ./schemas
COPY scripts/precompile-schemas.mjs ./scripts/
RUN npx tsc -p tsconfig.build.json && node scripts/precompile-schemas.mjs && npm pack --ignore-scripts --silent --pack-destination /tmp
# The packed package as npm would install it, its production dependencies pinned by the
# lock file (npm ci); no install scripts run, none of them needs one.
RUN mkdir /app && tar -xzf /tmp/mcp-serve-*.tgz --strip-components=1 -C /app && cp package-lock.json /app/ \
  && cd /app && npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:22-slim
ENV NODE_ENV=production
COPY --from=build /app /app
ARG APP=examples/todo
WORKDIR /srv
COPY ${APP}/ /srv/
# The handlers' own dependencies, when the directory has a package.json: from its lock file
# when it has one. npm's cache stays out of the image (a BuildKit cache mount).
RUN --mount=type=cache,target=/root/.npm \
  if [ -f package-lock.json ]; then npm ci --omit=dev --no-audit --no-fund; \
  elif [ -f package.json ]; then npm install --omit=dev --no-audit --no-fund; fi
# Files stay root's: the server cannot change its own code.
USER node
EXPOSE 3000
# Readiness, not liveness: healthy once tokens can be checked (the authorization server's
# signing keys loaded); unhealthy while they cannot be fetched and while draining.
HEALTHCHECK --start-period=30s --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Exec form: node is PID 1 and gets SIGTERM itself; mcp-serve handles it (drains, exits 0)
# and starts no child processes to reap, so no init (tini, --init) is needed.
# Secrets come only from the environment (-e), never from the image.
ENTRYPOINT ["node", "/app/dist/src/bin.js"]
CMD ["--config", "/srv/mcp-oauth.config.yaml", "--host", "0.0.0.0"]
