# voicebridge: the bots, ready for `docker compose up` (see docker-compose.yml).
# No system codecs are needed: PyAV bundles FFmpeg/libopus and espeakng-loader bundles espeak-ng.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core ./core
COPY storage ./storage
COPY bots ./bots
# fail the build if the migrations did not make it into the installed package
RUN pip install . && cd / && python -c "import storage.migrate as m; print(\"schema\", m.head_revision())"

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    VOICEBRIDGE_DATA_DIR=/data
RUN useradd --system --uid 10001 --user-group --home-dir /home/voicebridge --create-home \
        --shell /usr/sbin/nologin voicebridge \
    && mkdir -p /data \
    && chown voicebridge:voicebridge /data \
    && chmod 0700 /data
COPY --from=build /opt/venv /opt/venv
USER voicebridge
WORKDIR /home/voicebridge
VOLUME ["/data"]
CMD ["voicebridge", "run"]
