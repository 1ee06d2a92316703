/* The connection guard of grpc_socket_guard.h. */
#include "protocol/grpc_socket_guard.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <grpc/support/sync.h>

#include "common/clock.h"

/* gRPC core 1.51 takes a socket mutator as a pointer channel argument but
 * declares its type only in an internal header (iomgr/socket_mutator.h),
 * with no C constructor. The two structs below restate that ABI (a vtable
 * pointer and a gpr_refcount; mutate_fd_2 is called with the descriptor and
 * its usage). seam_grpc_socket_guard_started checks at start that gRPC
 * really called the guard, so a gRPC build where this does not hold is
 * reported instead of silently unguarded. */
enum fd_usage { FD_CLIENT_CONNECTION = 0, FD_SERVER_LISTENER = 1, FD_SERVER_CONNECTION = 2 };

typedef struct fd_info {
  int fd;
  enum fd_usage usage;
} fd_info;

typedef struct mutator_vtable {
  bool (*mutate_fd)(int fd, grpc_socket_mutator *m);
  int (*compare)(grpc_socket_mutator *a, grpc_socket_mutator *b);
  void (*destroy)(grpc_socket_mutator *m);
  bool (*mutate_fd_2)(const fd_info *info, grpc_socket_mutator *m);
} mutator_vtable;

struct grpc_socket_mutator {
  const mutator_vtable *vtable;
  gpr_refcount refcount;
};

#define MAX_LISTENERS 16
/* A full pass over the connection table costs one fstat per descriptor:
 * done only when the table looks full, and at most this often. */
#define PRUNE_INTERVAL_NS 50000000LL

struct seam_grpc_socket_guard {
  grpc_socket_mutator base; /* first: gRPC sees this */
  pthread_mutex_t lock;
  int max_connections;
  int fd_limit;
  int reserve; /* SEAM_GRPC_FD_RESERVE, or a third of a smaller limit */
  /* Per descriptor number below fd_limit: the socket's inode while gRPC
   * holds it as a connection, 0 when free. A slot whose descriptor now
   * holds something else is stale (gRPC closed the connection). */
  ino_t *conn_inode;
  int open;
  int highest_fd; /* no slot above it is in use */
  int listeners[MAX_LISTENERS];
  int n_listeners;
  int64_t last_prune_ns;
  uint64_t accepted, refused, refused_unlogged;
  int64_t last_log_ns;
  FILE *log;
};

static ino_t socket_inode(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode)) return 0;
  return st.st_ino ? st.st_ino : 1;
}

/* Forgets connections gRPC has closed since. Called with the lock held. */
static void prune(seam_grpc_socket_guard *g, int64_t now) {
  g->last_prune_ns = now;
  for (int fd = 0; fd <= g->highest_fd && g->open > 0; fd++) {
    if (!g->conn_inode[fd] || socket_inode(fd) == g->conn_inode[fd]) continue;
    g->conn_inode[fd] = 0;
    g->open--;
  }
}

static void log_refusal(seam_grpc_socket_guard *g, const char *reason, int fd, int64_t now) {
  g->refused_unlogged++;
  if (!g->log || now - g->last_log_ns < 1000000000LL) return;
  fprintf(g->log,
          "seam-cloud event=connection_refused reason=%s fd=%d open=%d max_connections=%d "
          "fd_limit=%d refused_since_last_line=%llu refused_total=%llu\n",
          reason, fd, g->open, g->max_connections, g->fd_limit,
          (unsigned long long)g->refused_unlogged, (unsigned long long)g->refused);
  fflush(g->log);
  g->refused_unlogged = 0;
  g->last_log_ns = now;
}

static void admit_connection(seam_grpc_socket_guard *g, int fd) {
  int64_t now = seam_clock_ns();
  pthread_mutex_lock(&g->lock);
  const char *refuse = NULL;
  if (fd < 0 || fd >= g->fd_limit - g->reserve) {
    refuse = "fd_limit";
  } else {
    /* The descriptor number was free: whatever the slot remembers is gone. */
    if (g->conn_inode[fd]) {
      g->conn_inode[fd] = 0;
      g->open--;
    }
    if (g->open >= g->max_connections && now - g->last_prune_ns >= PRUNE_INTERVAL_NS) prune(g, now);
    if (g->open >= g->max_connections) refuse = "max_connections";
  }
  if (refuse) {
    g->refused++;
    /* gRPC owns the descriptor: shut the socket down so that gRPC's first
     * read ends the connection and closes it. */
    shutdown(fd, SHUT_RDWR);
    log_refusal(g, refuse, fd, now);
  } else {
    g->conn_inode[fd] = socket_inode(fd);
    g->open++;
    if (fd > g->highest_fd) g->highest_fd = fd;
    g->accepted++;
  }
  pthread_mutex_unlock(&g->lock);
}

static bool guard_mutate_fd_2(const fd_info *info, grpc_socket_mutator *m) {
  seam_grpc_socket_guard *g = (seam_grpc_socket_guard *)m;
  if (info->usage == FD_SERVER_CONNECTION) {
    admit_connection(g, info->fd);
  } else if (info->usage == FD_SERVER_LISTENER) {
    pthread_mutex_lock(&g->lock);
    if (g->n_listeners < MAX_LISTENERS) g->listeners[g->n_listeners++] = info->fd;
    pthread_mutex_unlock(&g->lock);
  }
  /* Returning false would make gRPC close its listener: always true. */
  return true;
}

static bool guard_mutate_fd(int fd, grpc_socket_mutator *m) {
  (void)fd, (void)m;
  return true;
}

static int guard_compare(grpc_socket_mutator *a, grpc_socket_mutator *b) {
  return a < b ? -1 : a > b;
}

static void guard_free(seam_grpc_socket_guard *g) {
  pthread_mutex_destroy(&g->lock);
  free(g->conn_inode);
  free(g);
}

static void guard_destroy(grpc_socket_mutator *m) { guard_free((seam_grpc_socket_guard *)m); }

static const mutator_vtable guard_vtable = {guard_mutate_fd, guard_compare, guard_destroy,
                                            guard_mutate_fd_2};

/* The channel argument's own vtable: copies share the guard by reference. */
static void *arg_copy(void *p) {
  gpr_ref(&((grpc_socket_mutator *)p)->refcount);
  return p;
}

static void arg_destroy(void *p) {
  grpc_socket_mutator *m = p;
  if (gpr_unref(&m->refcount)) m->vtable->destroy(m);
}

static int arg_compare(void *a, void *b) { return a < b ? -1 : a > b; }

static const grpc_arg_pointer_vtable guard_arg_vtable = {arg_copy, arg_destroy, arg_compare};

seam_grpc_socket_guard *seam_grpc_socket_guard_create(int max_connections, FILE *log) {
  if (max_connections < 1) return NULL;
  seam_grpc_socket_guard *g = calloc(1, sizeof *g);
  if (!g) return NULL;
  struct rlimit rl;
  rlim_t limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_cur : 1024;
  /* A table slot per descriptor; past 2^20 the guard counts fewer slots. */
  if (limit == RLIM_INFINITY || limit > ((rlim_t)1 << 20)) limit = (rlim_t)1 << 20;
  g->fd_limit = (int)limit;
  g->reserve = g->fd_limit / 3 < SEAM_GRPC_FD_RESERVE ? g->fd_limit / 3 : SEAM_GRPC_FD_RESERVE;
  g->conn_inode = calloc((size_t)g->fd_limit, sizeof *g->conn_inode);
  if (!g->conn_inode || pthread_mutex_init(&g->lock, NULL) != 0) {
    free(g->conn_inode);
    free(g);
    return NULL;
  }
  g->base.vtable = &guard_vtable;
  gpr_ref_init(&g->base.refcount, 1);
  g->max_connections = max_connections;
  g->log = log;
  return g;
}

grpc_arg seam_grpc_socket_guard_arg(seam_grpc_socket_guard *g) {
  grpc_arg arg;
  memset(&arg, 0, sizeof arg);
  arg.type = GRPC_ARG_POINTER;
  arg.key = (char *)GRPC_ARG_SOCKET_MUTATOR;
  arg.value.pointer.p = g;
  arg.value.pointer.vtable = &guard_arg_vtable;
  return arg;
}

bool seam_grpc_socket_guard_started(seam_grpc_socket_guard *g) {
  pthread_mutex_lock(&g->lock);
  int n = g->n_listeners;
  /* One pass of gRPC's accept loop takes what the backlog holds (plus what
   * arrives meanwhile) before any refused connection is closed: keep that
   * well inside the reserve. */
  int backlog = g->reserve / 4 < SEAM_GRPC_LISTEN_BACKLOG ? g->reserve / 4 : SEAM_GRPC_LISTEN_BACKLOG;
  for (int i = 0; i < n; i++) listen(g->listeners[i], backlog > 1 ? backlog : 1);
  pthread_mutex_unlock(&g->lock);
  return n > 0;
}

void seam_grpc_socket_guard_stats(seam_grpc_socket_guard *g, seam_grpc_server_stats *stats) {
  pthread_mutex_lock(&g->lock);
  stats->connections_accepted = g->accepted;
  stats->connections_refused = g->refused;
  stats->connections_open = g->open;
  stats->fd_limit = g->fd_limit;
  stats->guard_active = g->n_listeners > 0;
  pthread_mutex_unlock(&g->lock);
}

void seam_grpc_socket_guard_release(seam_grpc_socket_guard *g) {
  if (g) arg_destroy(&g->base);
}
