# A manifest and its handlers, shipped with mcp-serve.
#   docker build --build-arg APP=examples/scalekit -t todo-mcp .
#   docker run --rm -p 3000:3000 -e SCALEKIT_ENVIRONMENT_URL -e SCALEKIT_RESOURCE_ID -e MCP_URL todo-mcp

FROM node:22-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: prepare builds dist/, and the sources are not copied yet; the build runs below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY schemas ./schemas
COPY test ./test
COPY scripts/precompile-schemas.mjs ./scripts/
RUN npm run build && npm pack --silent && mv mcp-serve-*.tgz /mcp-serve.tgz

FROM node:22-slim
ENV NODE_ENV=production
# Runtime dependencies only: the packed package installed without dev dependencies.
COPY --from=build /mcp-serve.tgz /tmp/mcp-serve.tgz
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/mcp-serve.tgz && rm /tmp/mcp-serve.tgz
# The manifest directory (manifest + handlers), relative to the build context.
ARG APP=examples/todo
WORKDIR /srv
COPY ${APP}/ /srv/
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Secrets come only from the environment (-e), never from the image.
ENTRYPOINT ["mcp-serve"]
CMD ["--config", "/srv/mcp-oauth.config.yaml", "--host", "0.0.0.0"]
