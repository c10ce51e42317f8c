// Command ftpbot explains FTP failures: reply codes, server lines, client errors and whole session
// logs, in a terminal, on the web, in Slack and in Discord, and checks live servers.
//
// This is the operator's manual; README.md has the examples.
//
//	ftpbot                          interactive prompt (on a terminal)
//	ftpbot ask [--json | --more] QUERY...   answer one question; --more: the whole answer, not only its card
//	ftpbot check [--json] [--allow-private] [--implicit] [--profile NAME] [--config FILE] HOST[:PORT]
//	ftpbot serve [--config FILE] [--listen ADDR] [--log-level LEVEL]
//	ftpbot config check [--config FILE]
//	ftpbot healthcheck [--config FILE] [--listen ADDR] [--timeout DURATION]
//	ftpbot version
//
// Exit statuses: 0 success; 1 ask found nothing (suggestions were printed) or check found a failed
// step; 2 usage, a bad config, or a target the address policy refuses. healthcheck exits 0 or 1
// only, as Docker's HEALTHCHECK expects (it reserves 2).
//
// `ftpbot version` prints the version on its first line, then the module, VCS revision and time,
// and the Go version: stamped with -ldflags "-X main.version=… -X main.revision=… -X
// main.revisionTime=…" (the Dockerfile does), else what the Go toolchain recorded. /readyz shows
// the same as "version", and /metrics as ftpbot_build_info. `ftpbot healthcheck` GETs /healthz on the address serve listens on (an
// unspecified host is asked on loopback) with a time-out: the image's HEALTHCHECK, which has no
// curl.
//
// Configuration is one TOML file, found from --config, else $FTPBOT_CONFIG, else ./ftpbot.toml (none
// is fine); config.example.toml documents every key. Secrets may come from the environment instead,
// which wins: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_SIGNING_SECRET, DISCORD_BOT_TOKEN,
// DISCORD_APPLICATION_ID, DISCORD_PUBLIC_KEY, FTPBOT_REDIS_URL. FTPBOT_LISTEN overrides [server]
// listen (the image sets it to 0.0.0.0:8080), and --listen overrides both. `ftpbot config check`
// reports every problem at once and never prints a secret.
//
// Replicas share per-user limits, Slack event de-duplication, Discord gateway claims and Share
// answers through Redis with [state] backend = "redis" (package state); the default, "memory",
// keeps them per process. [slack] api_url points the Slack Web API elsewhere (GovSlack, or
// a fake in tests); it must be https, or http only to loopback.
//
// `ftpbot serve` runs one HTTP server: the web reference and playground, /api/ask, /healthz,
// /readyz, /metrics, and the Slack and Discord HTTP endpoints when those modes are on; each chat
// adapter whose secrets are present starts with it. SIGINT and SIGTERM stop new work and let the
// questions in flight finish within [server] shutdown_timeout. A chat platform that cannot be
// reached never stops it: its adapter retries in the background with backoff and jitter (each wait
// logged exactly), and /readyz stays 200 while the knowledge is loaded, naming each adapter's state
// instead (as does the ftpbot_adapter_state metric). README's "Running in production" covers the
// image (Dockerfile), deploy/ (Kubernetes, docker-compose, systemd) and which modes suit replicas.
//
// This package only wires: it parses flags and config, and hands each adapter its options. It is the
// only package that may import every adapter; what an answer says belongs in bot and knowledge,
// how it looks in the adapters.
package main
