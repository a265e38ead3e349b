# Multi-stage: build the browser bundles and the server's JavaScript with dev tools, run the compiled
# server with production dependencies only, non-root. Node 24 LTS (the CI runs the suite on it).
# better-sqlite3 (the SQLite store) is a native addon: it is compiled in the stages with a toolchain,
# and the runtime image gets the built node_modules only.
FROM node:24-bookworm-slim AS toolchain
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./

FROM toolchain AS build
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM toolchain AS deps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Without REDIS_URL the comments are kept here (SQLite): mount a volume on it.
ENV DATA_DIR=/data
WORKDIR /app
RUN mkdir /data && chown node:node /data
COPY package.json package-lock.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
VOLUME /data
EXPOSE 3000
CMD ["node", "dist/node/server/main.js"]
