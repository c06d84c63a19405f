# feedwatch: multi-stage build. The final image holds the built JavaScript and production dependencies only,
# runs as a non-root user, reads its config from /app/config (mount it) and keeps SQLite data in /app/data.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production FEEDWATCH_CONFIG=/app/config/feedwatch.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config/feedwatch.example.yaml ./config/feedwatch.example.yaml
RUN mkdir -p /app/data && chown -R node:node /app/data /app/config
USER node
VOLUME ["/app/data"]
EXPOSE 9464
# Health: the daemon answers /healthz on its health port: $FEEDWATCH_PORT when set, else 9464 (server.port's
# default; bind it to 0.0.0.0 in the mounted config).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.FEEDWATCH_PORT||9464)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run"]
