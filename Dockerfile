# Iris server image. Optional engines come from Debian so the image gets the fast
# paths (system ffmpeg and tesseract); without them Iris falls back to npm-shipped ones.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
COPY web ./web
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg tesseract-ocr tini && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
ENV IRIS_HOST=0.0.0.0 IRIS_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/bin/tini", "--", "node", "bin/iris.mjs"]
CMD ["serve"]
