/*
 * rolecall's container health check: GET /livez (or /healthz with --healthz) from the sidecar's
 * public listener and exit 0 on HTTP 200, 1 on anything else. A static binary with no allocation,
 * no DNS and no libraries at run time, so a check every 30 s costs about 1 MiB and 1 ms of CPU
 * instead of a Node process (docs/deploy.md, "The health check", has the measurements).
 *
 * Address: the port of ROLECALL_LISTEN (default 0.0.0.0:9477); a wildcard host becomes loopback
 * (127.0.0.1 or ::1), any other host must be an IPv4 or IPv6 literal. One deadline (2 s) covers
 * connect, send and reading the status line; at most RESPONSE_MAX bytes are read.
 *
 * Build: cc -Os -static -s -o dist/healthcheck tools/healthcheck/healthcheck.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEADLINE_MS 2000
#define RESPONSE_MAX 4096
#define DEFAULT_LISTEN "0.0.0.0:9477"

/* Exit codes follow Docker's HEALTHCHECK: 0 healthy, 1 unhealthy (2 is reserved, never used). */
enum { HEALTHY = 0, UNHEALTHY = 1 };

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int usage(void) {
  fputs("Usage: healthcheck [--healthz]\n\n"
        "GETs /livez (or /healthz with --healthz) from the port of ROLECALL_LISTEN on loopback\n"
        "(default 9477) within 2 s. Exit 0 on HTTP 200, 1 otherwise.\n",
        stderr);
  return UNHEALTHY;
}

/* Parses "host:port", "[v6]:port" or ":port" into a socket address; wildcards become loopback. */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len, char *host,
                        size_t host_size) {
  const char *colon = strrchr(text, ':');
  if (colon == NULL) return -1;
  size_t host_len = (size_t)(colon - text);
  if (host_len >= 2 && text[0] == '[' && text[host_len - 1] == ']') {
    text++;
    host_len -= 2;
  }
  if (host_len >= host_size) return -1;
  memcpy(host, text, host_len);
  host[host_len] = '\0';
  if (host_len == 0 || strcmp(host, "0.0.0.0") == 0) strcpy(host, "127.0.0.1");
  else if (strcmp(host, "::") == 0) strcpy(host, "::1");

  const char *p = colon + 1;
  unsigned long port = 0;
  if (*p == '\0') return -1;
  for (; *p != '\0'; p++) {
    if (*p < '0' || *p > '9' || port > 65535) return -1;
    port = port * 10 + (unsigned long)(*p - '0');
  }
  if (port == 0 || port > 65535) return -1;

  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((unsigned short)port);
    *len = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((unsigned short)port);
    *len = sizeof *v6;
  } else {
    return -1;
  }
  return (int)port;
}

/* Waits for `events` on fd until the deadline; 1 ready, 0 deadline passed, -1 error. */
static int wait_for(int fd, short events, long long deadline) {
  for (;;) {
    long long left = deadline - now_ms();
    if (left <= 0) return 0;
    struct pollfd pfd = {.fd = fd, .events = events};
    int n = poll(&pfd, 1, (int)left);
    if (n > 0) return 1;
    if (n == 0) return 0;
    if (errno != EINTR) return -1;
  }
}

/* "HTTP/1.x NNN" followed by a space or CR: returns NNN, or -1 for anything else. */
static int status_code(const char *line) {
  if (strncmp(line, "HTTP/1.", 7) != 0 || line[7] < '0' || line[7] > '9' || line[8] != ' ')
    return -1;
  for (int i = 9; i < 12; i++)
    if (line[i] < '0' || line[i] > '9') return -1;
  if (line[12] != ' ' && line[12] != '\r') return -1;
  return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

static int fail(const char *target, const char *what) {
  printf("rolecall healthcheck: %s: %s\n", target, what);
  return UNHEALTHY;
}

int main(int argc, char **argv) {
  const char *path = "/livez";
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--healthz") == 0) path = "/healthz";
    else if (strcmp(argv[i], "--livez") == 0) path = "/livez";
    else return usage();
  }
  long long deadline = now_ms() + DEADLINE_MS;

  const char *listen = getenv("ROLECALL_LISTEN");
  if (listen == NULL || *listen == '\0') listen = DEFAULT_LISTEN;
  struct sockaddr_storage addr;
  socklen_t addr_len = 0;
  char host[INET6_ADDRSTRLEN + 1];
  int port = parse_listen(listen, &addr, &addr_len, host, sizeof host);
  if (port < 0) {
    fprintf(stderr,
            "rolecall healthcheck: ROLECALL_LISTEN=\"%s\" is not ip:port, [ipv6]:port or :port "
            "(no host names: the check does no DNS)\n",
            listen);
    return UNHEALTHY;
  }
  int v6 = addr.ss_family == AF_INET6;
  char target[128];
  snprintf(target, sizeof target, "%s%s%s:%d%s", v6 ? "[" : "", host, v6 ? "]" : "", port, path);
  char request[256];
  int request_len = snprintf(request, sizeof request,
                             "GET %s HTTP/1.1\r\nHost: %s%s%s:%d\r\nUser-Agent: "
                             "rolecall-healthcheck\r\nConnection: close\r\n\r\n",
                             path, v6 ? "[" : "", host, v6 ? "]" : "", port);

  int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(target, strerror(errno));
  if (connect(fd, (struct sockaddr *)&addr, addr_len) != 0) {
    if (errno != EINPROGRESS) return fail(target, strerror(errno));
    int ready = wait_for(fd, POLLOUT, deadline);
    if (ready == 0) return fail(target, "connect timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    if (ready < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
      return fail(target, strerror(errno));
    if (err != 0) return fail(target, strerror(err));
  }

  for (int sent = 0; sent < request_len;) {
    ssize_t n = send(fd, request + sent, (size_t)(request_len - sent), MSG_NOSIGNAL);
    if (n > 0) {
      sent += (int)n;
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return fail(target, strerror(errno));
    if (wait_for(fd, POLLOUT, deadline) <= 0) return fail(target, "send timed out");
  }

  /* Read until the status line is complete; the rest of the answer is not needed. */
  char buf[RESPONSE_MAX + 1];
  size_t got = 0;
  for (;;) {
    buf[got] = '\0';
    if (memchr(buf, '\n', got) != NULL) break;
    if (got == RESPONSE_MAX) return fail(target, "no status line in the first 4096 bytes");
    int ready = wait_for(fd, POLLIN, deadline);
    if (ready == 0) return fail(target, "no answer within 2 s");
    if (ready < 0) return fail(target, strerror(errno));
    ssize_t n = recv(fd, buf + got, RESPONSE_MAX - got, 0);
    if (n == 0) return fail(target, "connection closed before a status line");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return fail(target, strerror(errno));
    }
    got += (size_t)n;
  }
  close(fd);

  int status = status_code(buf);
  if (status < 0) return fail(target, "not an HTTP/1.x answer");
  printf("rolecall healthcheck: %s: %d\n", target, status);
  return status == 200 ? HEALTHY : UNHEALTHY;
}
