/*
 * A custom runtime (provided.al2023) as compiled languages build one: a native `bootstrap` that talks to
 * the Runtime API over HTTP/1.1 and echoes each event back. No libraries beyond libc, so what a cold start
 * measures is the platform, not a language runtime.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in api;
static char host[256];

static int connect_api(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd, (struct sockaddr *)&api, sizeof api) < 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Reads one response: headers into `head`, body into a malloc'd buffer. Returns the body length or -1. */
static long read_response(int fd, char *head, size_t head_cap, char **body) {
  size_t used = 0;
  char *end = NULL;
  while (!end) {
    if (used + 1 >= head_cap) return -1;
    ssize_t n = read(fd, head + used, head_cap - used - 1);
    if (n <= 0) return -1;
    used += (size_t)n;
    head[used] = 0;
    end = strstr(head, "\r\n\r\n");
  }
  size_t header_len = (size_t)(end - head) + 4;
  long length = 0;
  for (char *line = head; line < end; line = strstr(line, "\r\n") + 2) {
    if (strncasecmp(line, "Content-Length:", 15) == 0) length = strtol(line + 15, NULL, 10);
  }
  *body = malloc((size_t)length + 1);
  size_t have = used - header_len;
  if (have > (size_t)length) have = (size_t)length;
  memcpy(*body, head + header_len, have);
  while ((long)have < length) {
    ssize_t n = read(fd, *body + have, (size_t)length - have);
    if (n <= 0) return -1;
    have += (size_t)n;
  }
  (*body)[length] = 0;
  head[header_len] = 0;
  return length;
}

static int header_value(const char *head, const char *name, char *out, size_t cap) {
  size_t name_len = strlen(name);
  for (const char *line = head; *line; line = strstr(line, "\r\n") + 2) {
    if (strncasecmp(line, name, name_len) == 0 && line[name_len] == ':') {
      const char *v = line + name_len + 1;
      while (*v == ' ') v++;
      size_t i = 0;
      while (v[i] && v[i] != '\r' && i + 1 < cap) {
        out[i] = v[i];
        i++;
      }
      out[i] = 0;
      return 0;
    }
    if (!strstr(line, "\r\n")) break;
  }
  return -1;
}

int main(void) {
  const char *endpoint = getenv("AWS_LAMBDA_RUNTIME_API");
  if (!endpoint) return 1;
  snprintf(host, sizeof host, "%s", endpoint);
  char *colon = strrchr(host, ':');
  if (!colon) return 1;
  *colon = 0;
  memset(&api, 0, sizeof api);
  api.sin_family = AF_INET;
  api.sin_port = htons((unsigned short)atoi(colon + 1));
  if (inet_pton(AF_INET, strcmp(host, "localhost") == 0 ? "127.0.0.1" : host, &api.sin_addr) != 1) return 1;

  int fd = connect_api();
  if (fd < 0) return 1;
  static char head[16384];
  for (;;) {
    const char *next = "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: runtime\r\n\r\n";
    if (write_all(fd, next, strlen(next)) < 0) return 1;
    char *event = NULL;
    long event_len = read_response(fd, head, sizeof head, &event);
    if (event_len < 0) return 1;
    char request_id[128];
    if (header_value(head, "Lambda-Runtime-Aws-Request-Id", request_id, sizeof request_id) < 0) return 1;
    char request[512];
    int n = snprintf(request, sizeof request,
                     "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\nHost: runtime\r\n"
                     "Content-Type: application/json\r\nContent-Length: %ld\r\n\r\n",
                     request_id, event_len);
    if (write_all(fd, request, (size_t)n) < 0 || write_all(fd, event, (size_t)event_len) < 0) return 1;
    free(event);
    char *ack = NULL;
    if (read_response(fd, head, sizeof head, &ack) < 0) return 1;
    free(ack);
  }
}
