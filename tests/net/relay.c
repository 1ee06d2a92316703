/* seam-relay: a TCP relay that delays every byte, for emulated networks.
 *
 *   seam-relay --listen HOST:PORT --to HOST:PORT [--delay-ms D] [--jitter-ms J]
 *              [--up-delay-ms D1] [--down-delay-ms D2] [--control FILE] [--seed N]
 *
 * This kernel has no netem qdisc, so delay and jitter cannot come from tc:
 * the relay adds them, and tc (tbf) shapes the rate on the link in front of
 * it (docs/emulation.md, scripts/netem.sh).
 *
 * Every chunk read from one side is written to the other side at
 *   release = max(previous chunk's release, arrival + max(0, delay + jitter))
 * where delay is the one-way delay of its direction ("up": from the side
 * that connected to --listen towards --to; "down": back) and jitter is
 * uniform in [-J, +J] per chunk. The max keeps a stream in order: jitter
 * never reorders bytes. An end of stream is delayed the same way, then
 * forwarded as shutdown(SHUT_WR) once the bytes before it are written
 * (half-close); a reset or an error on either side closes both.
 *
 * The relay terminates TCP on both sides: it delays data, not the peers'
 * acknowledgements, so it models the latency of requests and replies, not
 * TCP's window growth over a long round trip. No loss is emulated: both
 * legs are TCP, which would retransmit it anyway; a link that drops
 * everything is emulated with nftables (netem.sh blackhole).
 *
 * Buffering is bounded: a side is not read while its direction holds more
 * than RELAY_PENDING_MAX bytes, so the sender feels TCP back-pressure.
 * One thread, poll(), up to RELAY_MAX_CONNS connections at once.
 *
 * --control FILE: on SIGHUP the relay reads `key=value` lines from FILE
 * (delay_ms, up_delay_ms, down_delay_ms, jitter_ms; `#` starts a comment;
 * keys absent keep their value) and prints "seam-relay: applied ..." on
 * stderr; a bad file is refused as a whole, with the reason. Chunks
 * already queued keep their release times.
 *
 * Prints "listening HOST:PORT" on stdout once it accepts connections (port
 * 0 picks a free port; the line names the real one). SIGTERM or SIGINT
 * closes every connection and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum {
  RELAY_READ_SIZE = 64 * 1024,
  RELAY_PENDING_MAX = 4 * 1024 * 1024, /* bytes queued per direction, with chunk headers */
  RELAY_MAX_CONNS = 500,               /* two descriptors each, under the usual 1024 */
  RELAY_CONTROL_MAX = 4096,            /* bytes of a control file */
};
/* Upper bound on a delay or a jitter, in ms (ten minutes). */
#define RELAY_MS_MAX 600000.0

typedef struct relay_chunk {
  struct relay_chunk *next;
  int64_t release_ns;
  size_t len, off;
  unsigned char data[];
} relay_chunk;

/* One direction of a connection: bytes read from `from`, written to `to`. */
typedef struct {
  int from, to;
  bool up; /* client → target */
  relay_chunk *head, *tail;
  size_t pending; /* bytes held, chunk headers included */
  int64_t last_release_ns;
  bool eof;             /* `from` reached its end of stream */
  int64_t eof_release_ns;
  bool shut;            /* shutdown(to, SHUT_WR) done */
  bool blocked;         /* `to` answered EAGAIN: wait for POLLOUT */
} relay_dir;

typedef struct {
  int client, target;
  bool connecting; /* the connect() to the target is in progress */
  bool dead;
  relay_dir up, down;
} relay_conn;

typedef struct {
  int64_t up_us, down_us, jitter_us;
} relay_delays;

static volatile sig_atomic_t g_stop = 0;
static volatile sig_atomic_t g_reload = 0;
static int g_sigpipe[2] = {-1, -1};
static uint64_t g_rng;

static void relay__on_signal(int sig) {
  int saved = errno;
  if (sig == SIGHUP)
    g_reload = 1;
  else
    g_stop = 1;
  char c = (char)sig;
  if (write(g_sigpipe[1], &c, 1) < 0) { /* the pipe is full: a wake-up is pending anyway */
  }
  errno = saved;
}

static int64_t relay__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: small, seedable, good enough for jitter. */
static uint64_t relay__rand(void) {
  uint64_t z = (g_rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* The delay of one chunk in ns: delay + uniform jitter in [-J, +J], at least 0. */
static int64_t relay__chunk_delay_ns(const relay_delays *d, bool up) {
  int64_t us = up ? d->up_us : d->down_us;
  if (d->jitter_us > 0) {
    uint64_t span = (uint64_t)(2 * d->jitter_us + 1);
    us += (int64_t)(relay__rand() % span) - d->jitter_us;
  }
  return us < 0 ? 0 : us * 1000;
}

static void relay__print_delays(const char *what, const relay_delays *d) {
  fprintf(stderr, "seam-relay: %s up_delay_ms=%g down_delay_ms=%g jitter_ms=%g\n", what,
          (double)d->up_us / 1000.0, (double)d->down_us / 1000.0, (double)d->jitter_us / 1000.0);
}

/* Parses a delay in ms (a decimal, 0 to RELAY_MS_MAX) into µs. */
static bool relay__parse_ms(const char *s, int64_t *us) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < 0 || v > RELAY_MS_MAX) return false;
  *us = (int64_t)llround(v * 1000.0);
  return true;
}

static char *relay__trim(char *s) {
  while (*s == ' ' || *s == '\t' || *s == '\r') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) s[--n] = '\0';
  return s;
}

/* Reads the control file into *d; on any error leaves *d unchanged. */
static void relay__apply_control(const char *path, relay_delays *d) {
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "seam-relay: control %s: %s; keeping the current settings\n", path, strerror(errno));
    return;
  }
  char text[RELAY_CONTROL_MAX + 1];
  size_t n = fread(text, 1, sizeof text, f);
  bool too_long = n > RELAY_CONTROL_MAX;
  fclose(f);
  if (too_long) {
    fprintf(stderr, "seam-relay: control %s: longer than %d bytes; keeping the current settings\n", path,
            RELAY_CONTROL_MAX);
    return;
  }
  text[n] = '\0';
  relay_delays next = *d;
  int line_no = 0;
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    line_no++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    line = relay__trim(line);
    if (!*line) continue;
    char *eq = strchr(line, '=');
    if (!eq) {
      fprintf(stderr, "seam-relay: control %s: line %d: expected key=value; keeping the current settings\n",
              path, line_no);
      return;
    }
    *eq = '\0';
    char *key = relay__trim(line), *value = relay__trim(eq + 1);
    int64_t us;
    if (!relay__parse_ms(value, &us)) {
      fprintf(stderr,
              "seam-relay: control %s: line %d: '%s' is not a delay in ms (0 to %g); keeping the current "
              "settings\n",
              path, line_no, value, RELAY_MS_MAX);
      return;
    }
    if (strcmp(key, "delay_ms") == 0) {
      next.up_us = next.down_us = us;
    } else if (strcmp(key, "up_delay_ms") == 0) {
      next.up_us = us;
    } else if (strcmp(key, "down_delay_ms") == 0) {
      next.down_us = us;
    } else if (strcmp(key, "jitter_ms") == 0) {
      next.jitter_us = us;
    } else {
      fprintf(stderr,
              "seam-relay: control %s: line %d: unknown key '%s' (delay_ms, up_delay_ms, down_delay_ms, "
              "jitter_ms); keeping the current settings\n",
              path, line_no, key);
      return;
    }
  }
  *d = next;
  relay__print_delays("applied", d);
}

/* Splits HOST:PORT or [HOST]:PORT. */
static bool relay__split_addr(const char *arg, char *host, size_t host_size, char *port, size_t port_size) {
  const char *colon;
  const char *h = arg;
  size_t hlen;
  if (arg[0] == '[') {
    const char *close = strchr(arg, ']');
    if (!close || close[1] != ':') return false;
    h = arg + 1;
    hlen = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(arg, ':');
    if (!colon) return false;
    hlen = (size_t)(colon - arg);
  }
  if (hlen == 0 || hlen >= host_size || strlen(colon + 1) == 0 || strlen(colon + 1) >= port_size) return false;
  memcpy(host, h, hlen);
  host[hlen] = '\0';
  snprintf(port, port_size, "%s", colon + 1);
  for (const char *p = port; *p; p++)
    if (*p < '0' || *p > '9') return false;
  return true;
}

static bool relay__resolve(const char *arg, bool passive, struct sockaddr_storage *ss, socklen_t *len) {
  char host[256], port[16];
  if (!relay__split_addr(arg, host, sizeof host, port, sizeof port)) {
    fprintf(stderr, "seam-relay: '%s' is not HOST:PORT\n", arg);
    return false;
  }
  struct addrinfo hints = {0}, *res = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  int rc = getaddrinfo(host, port, &hints, &res);
  if (rc != 0 || !res) {
    fprintf(stderr, "seam-relay: cannot resolve '%s': %s\n", arg, gai_strerror(rc));
    return false;
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return true;
}

static void relay__format_addr(const struct sockaddr_storage *ss, char *out, size_t size) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
    snprintf(out, size, "%s:%u", host, port);
  } else {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
    snprintf(out, size, "[%s]:%u", host, port);
  }
}

static bool relay__nonblock(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

static void relay__nodelay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void relay__dir_init(relay_dir *d, int from, int to, bool up) {
  memset(d, 0, sizeof *d);
  d->from = from;
  d->to = to;
  d->up = up;
}

static void relay__dir_free(relay_dir *d) {
  relay_chunk *c = d->head;
  while (c) {
    relay_chunk *next = c->next;
    free(c);
    c = next;
  }
  d->head = d->tail = NULL;
  d->pending = 0;
}

static void relay__conn_close(relay_conn *c) {
  relay__dir_free(&c->up);
  relay__dir_free(&c->down);
  if (c->client >= 0) close(c->client);
  if (c->target >= 0) close(c->target);
  c->client = c->target = -1;
  c->dead = true;
}

/* Whether the direction takes more bytes from its source now. */
static bool relay__dir_can_read(const relay_dir *d) {
  return !d->eof && d->pending < RELAY_PENDING_MAX;
}

/* Reads what `from` has into the queue. Returns false when the connection must close. */
static bool relay__dir_read(relay_dir *d, const relay_delays *delays, unsigned char *buf) {
  ssize_t n = recv(d->from, buf, RELAY_READ_SIZE, MSG_DONTWAIT);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  int64_t now = relay__now_ns();
  int64_t release = now + relay__chunk_delay_ns(delays, d->up);
  if (release < d->last_release_ns) release = d->last_release_ns;
  d->last_release_ns = release;
  if (n == 0) {
    d->eof = true;
    d->eof_release_ns = release;
    return true;
  }
  relay_chunk *ch = malloc(sizeof *ch + (size_t)n);
  if (!ch) {
    fprintf(stderr, "seam-relay: out of memory; closing a connection\n");
    return false;
  }
  ch->next = NULL;
  ch->release_ns = release;
  ch->len = (size_t)n;
  ch->off = 0;
  memcpy(ch->data, buf, (size_t)n);
  if (d->tail)
    d->tail->next = ch;
  else
    d->head = ch;
  d->tail = ch;
  d->pending += sizeof *ch + (size_t)n;
  return true;
}

/* Writes every chunk that is due; forwards a due end of stream. Returns
 * false when the connection must close. */
static bool relay__dir_flush(relay_dir *d, int64_t now) {
  while (d->head && !d->blocked && d->head->release_ns <= now) {
    relay_chunk *ch = d->head;
    ssize_t n = send(d->to, ch->data + ch->off, ch->len - ch->off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        d->blocked = true;
        break;
      }
      if (errno == EINTR) continue;
      return false;
    }
    ch->off += (size_t)n;
    if (ch->off == ch->len) {
      d->head = ch->next;
      if (!d->head) d->tail = NULL;
      d->pending -= sizeof *ch + ch->len;
      free(ch);
    }
  }
  if (!d->head && d->eof && !d->shut && d->eof_release_ns <= now) {
    if (shutdown(d->to, SHUT_WR) != 0 && errno != ENOTCONN) return false;
    d->shut = true;
  }
  return true;
}

/* The time of the next write the direction waits for, or INT64_MAX. */
static int64_t relay__dir_next(const relay_dir *d) {
  if (d->blocked) return INT64_MAX;
  if (d->head) return d->head->release_ns;
  if (d->eof && !d->shut) return d->eof_release_ns;
  return INT64_MAX;
}

static int relay__listen(const struct sockaddr_storage *ss, socklen_t len) {
  int fd = socket(ss->ss_family, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, 128) != 0 || !relay__nonblock(fd)) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

/* Accepts one client and starts its connection to the target. Returns
 * false when there is nothing more to accept. */
static bool relay__accept(int lfd, const struct sockaddr_storage *to, socklen_t to_len, relay_conn **conns,
                          size_t *nconns) {
  int cfd = accept(lfd, NULL, NULL);
  if (cfd < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
      fprintf(stderr, "seam-relay: accept: %s\n", strerror(errno));
    return errno == EINTR || errno == ECONNABORTED;
  }
  int tfd = socket(to->ss_family, SOCK_STREAM, 0);
  relay_conn *c = tfd >= 0 ? calloc(1, sizeof *c) : NULL;
  if (!c || !relay__nonblock(cfd) || !relay__nonblock(tfd)) {
    fprintf(stderr, "seam-relay: cannot set up a connection: %s\n", strerror(errno));
    free(c);
    close(cfd);
    if (tfd >= 0) close(tfd);
    return true;
  }
  relay__nodelay(cfd);
  relay__nodelay(tfd);
  c->client = cfd;
  c->target = tfd;
  relay__dir_init(&c->up, cfd, tfd, true);
  relay__dir_init(&c->down, tfd, cfd, false);
  if (connect(tfd, (const struct sockaddr *)to, to_len) == 0) {
    c->connecting = false;
  } else if (errno == EINPROGRESS) {
    c->connecting = true;
  } else {
    fprintf(stderr, "seam-relay: connect to the target: %s\n", strerror(errno));
    relay__conn_close(c);
    free(c);
    return true;
  }
  conns[(*nconns)++] = c;
  return true;
}

static void relay__usage(FILE *out) {
  fprintf(out,
          "usage: seam-relay --listen HOST:PORT --to HOST:PORT [--delay-ms D] [--jitter-ms J]\n"
          "                  [--up-delay-ms D1] [--down-delay-ms D2] [--control FILE] [--seed N]\n"
          "Forwards TCP connections from --listen to --to, each direction delayed by its one-way\n"
          "delay (up: towards --to) plus a jitter uniform in [-J, +J] that never reorders bytes.\n"
          "On SIGHUP it re-reads delay_ms / up_delay_ms / down_delay_ms / jitter_ms from the\n"
          "--control file (key=value lines). Prints 'listening HOST:PORT' on stdout when ready.\n");
}

int main(int argc, char **argv) {
  const char *listen_arg = NULL, *to_arg = NULL, *control = NULL;
  int64_t delay_us = 0, up_us = -1, down_us = -1, jitter_us = 0;
  uint64_t seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      relay__usage(stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "seam-relay: %s needs a value\n", a);
      relay__usage(stderr);
      return 2;
    }
    const char *v = argv[++i];
    bool ok = true;
    if (strcmp(a, "--listen") == 0) {
      listen_arg = v;
    } else if (strcmp(a, "--to") == 0) {
      to_arg = v;
    } else if (strcmp(a, "--control") == 0) {
      control = v;
    } else if (strcmp(a, "--delay-ms") == 0) {
      ok = relay__parse_ms(v, &delay_us);
    } else if (strcmp(a, "--up-delay-ms") == 0) {
      ok = relay__parse_ms(v, &up_us);
    } else if (strcmp(a, "--down-delay-ms") == 0) {
      ok = relay__parse_ms(v, &down_us);
    } else if (strcmp(a, "--jitter-ms") == 0) {
      ok = relay__parse_ms(v, &jitter_us);
    } else if (strcmp(a, "--seed") == 0) {
      char *end;
      errno = 0;
      seed = strtoull(v, &end, 10);
      ok = errno == 0 && end != v && *end == '\0';
    } else {
      fprintf(stderr, "seam-relay: unknown option %s\n", a);
      relay__usage(stderr);
      return 2;
    }
    if (!ok) {
      fprintf(stderr, "seam-relay: bad value for %s: '%s' (delays: ms, 0 to %g)\n", a, v, RELAY_MS_MAX);
      return 2;
    }
  }
  if (!listen_arg || !to_arg) {
    fprintf(stderr, "seam-relay: --listen and --to are required\n");
    relay__usage(stderr);
    return 2;
  }
  relay_delays delays = {up_us >= 0 ? up_us : delay_us, down_us >= 0 ? down_us : delay_us, jitter_us};
  g_rng = seed;

  struct sockaddr_storage lss, tss;
  socklen_t llen, tlen;
  if (!relay__resolve(listen_arg, true, &lss, &llen) || !relay__resolve(to_arg, false, &tss, &tlen)) return 2;

  if (pipe(g_sigpipe) != 0 || !relay__nonblock(g_sigpipe[0]) || !relay__nonblock(g_sigpipe[1])) {
    fprintf(stderr, "seam-relay: pipe: %s\n", strerror(errno));
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = relay__on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int lfd = relay__listen(&lss, llen);
  if (lfd < 0) {
    fprintf(stderr, "seam-relay: cannot listen on %s: %s\n", listen_arg, strerror(errno));
    return 1;
  }
  struct sockaddr_storage bound;
  socklen_t blen = sizeof bound;
  getsockname(lfd, (struct sockaddr *)&bound, &blen);
  char bound_text[80], to_text[80];
  relay__format_addr(&bound, bound_text, sizeof bound_text);
  relay__format_addr(&tss, to_text, sizeof to_text);
  fprintf(stderr, "seam-relay: %s -> %s, seed %llu\n", bound_text, to_text, (unsigned long long)seed);
  relay__print_delays("delays", &delays);
  printf("listening %s\n", bound_text);
  fflush(stdout);

  static relay_conn *conns[RELAY_MAX_CONNS];
  size_t nconns = 0;
  /* One pollfd for the signal pipe, one for the listener, two per connection. */
  static struct pollfd pfds[2 + 2 * RELAY_MAX_CONNS];
  static unsigned char buf[RELAY_READ_SIZE];
  bool full_reported = false;

  while (!g_stop) {
    if (g_reload) {
      g_reload = 0;
      if (control)
        relay__apply_control(control, &delays);
      else
        fprintf(stderr, "seam-relay: SIGHUP without --control: nothing to re-read\n");
    }
    int64_t now = relay__now_ns();
    int64_t next = INT64_MAX;
    for (size_t i = 0; i < nconns; i++) {
      relay_conn *c = conns[i];
      if (c->dead) continue;
      if (!c->connecting && (!relay__dir_flush(&c->up, now) || !relay__dir_flush(&c->down, now))) {
        relay__conn_close(c);
        continue;
      }
      if (c->up.shut && c->down.shut) {
        relay__conn_close(c);
        continue;
      }
      if (!c->connecting) {
        int64_t n1 = relay__dir_next(&c->up), n2 = relay__dir_next(&c->down);
        if (n1 < next) next = n1;
        if (n2 < next) next = n2;
      }
    }
    /* Sweep the closed connections. */
    size_t kept = 0;
    for (size_t i = 0; i < nconns; i++) {
      if (conns[i]->dead)
        free(conns[i]);
      else
        conns[kept++] = conns[i];
    }
    nconns = kept;

    pfds[0] = (struct pollfd){.fd = g_sigpipe[0], .events = POLLIN};
    bool room = nconns < RELAY_MAX_CONNS;
    if (!room && !full_reported) {
      fprintf(stderr, "seam-relay: %d connections open; new ones wait\n", RELAY_MAX_CONNS);
      full_reported = true;
    }
    if (room) full_reported = false;
    pfds[1] = (struct pollfd){.fd = room ? lfd : -1, .events = POLLIN};
    for (size_t i = 0; i < nconns; i++) {
      relay_conn *c = conns[i];
      short ce = 0, te = 0;
      if (relay__dir_can_read(&c->up)) ce |= POLLIN;
      if (c->down.blocked) ce |= POLLOUT;
      if (c->connecting) {
        te = POLLOUT;
      } else {
        if (relay__dir_can_read(&c->down)) te |= POLLIN;
        if (c->up.blocked) te |= POLLOUT;
      }
      pfds[2 + 2 * i] = (struct pollfd){.fd = ce ? c->client : -1, .events = ce};
      pfds[3 + 2 * i] = (struct pollfd){.fd = te ? c->target : -1, .events = te};
    }
    int timeout = -1;
    if (next != INT64_MAX) {
      int64_t wait_ns = next - relay__now_ns();
      timeout = wait_ns <= 0 ? 0 : (int)((wait_ns + 999999) / 1000000);
    }
    int rc = poll(pfds, 2 + 2 * nconns, timeout);
    if (rc < 0) {
      if (errno == EINTR) continue;
      fprintf(stderr, "seam-relay: poll: %s\n", strerror(errno));
      break;
    }
    if (pfds[0].revents) {
      char drain[64];
      while (read(g_sigpipe[0], drain, sizeof drain) > 0) {
      }
    }
    for (size_t i = 0; i < nconns; i++) {
      relay_conn *c = conns[i];
      short ce = pfds[2 + 2 * i].revents, te = pfds[3 + 2 * i].revents;
      if (c->connecting && te) {
        int err = 0;
        socklen_t elen = sizeof err;
        if (getsockopt(c->target, SOL_SOCKET, SO_ERROR, &err, &elen) != 0) err = errno;
        if (err != 0) {
          fprintf(stderr, "seam-relay: connect to %s: %s\n", to_text, strerror(err));
          relay__conn_close(c);
          continue;
        }
        c->connecting = false;
        te = 0;
      }
      if ((ce | te) & POLLERR) {
        relay__conn_close(c);
        continue;
      }
      if (ce & POLLOUT) c->down.blocked = false;
      if (te & POLLOUT) c->up.blocked = false;
      bool ok = true;
      if ((ce & (POLLIN | POLLHUP)) && relay__dir_can_read(&c->up)) ok = relay__dir_read(&c->up, &delays, buf);
      if (ok && (te & (POLLIN | POLLHUP)) && relay__dir_can_read(&c->down))
        ok = relay__dir_read(&c->down, &delays, buf);
      if (!ok) relay__conn_close(c);
    }
    if (pfds[1].revents & POLLIN) {
      for (int k = 0; k < 64 && nconns < RELAY_MAX_CONNS; k++)
        if (!relay__accept(lfd, &tss, tlen, conns, &nconns)) break;
    }
  }

  size_t open = 0;
  for (size_t i = 0; i < nconns; i++) {
    if (!conns[i]->dead) open++;
    relay__conn_close(conns[i]);
    free(conns[i]);
  }
  close(lfd);
  fprintf(stderr, "seam-relay: stopped, %zu connection(s) closed\n", open);
  return 0;
}
