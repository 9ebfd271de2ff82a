// sb-launch: starts one command under the confinement a sandbox asks for, from inside that sandbox (or as the
// whole Landlock backend). In order: bring up the loopback interface of the current network namespace, mount a
// size-bounded tmpfs over the private tmp, listen
// for TCP-to-Unix-socket forwarders, drop every capability, start the forwarders, set rlimits, set
// no_new_privs, apply a Landlock ruleset, install the seccomp filter that keeps the network to TCP, then exec
// the command. Any failure before exec exits 126 with one `sb-launch:` line on stderr: the command never runs
// less confined than asked. A command that cannot be run exits 127.
//
//   sb-launch [--lo-up] [--tmpfs PATH:BYTES] [--forward PORT:SOCKET]... [--drop-caps] [--landlock] [--landlock-read PATH]...
//             [--landlock-write PATH]... [--landlock-net host|none|port:N]... [--deny-udp] [--nofile N]
//             [--nproc N] [--no-new-privs] -- COMMAND ARGS...
//
// Built by the gateway with the machine's C compiler: no dependency besides libc and the kernel's uapi, and the
// Landlock constants newer than the installed headers are defined here, so any kernel ABI 1..7 is handled.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#define EXIT_SETUP 126
#define EXIT_EXEC 127
#define MAX_ITEMS 256
#define MAX_FORWARDS 16
#define MAX_CONNECTIONS 256
#define BUFFER_BYTES 65536

// Rights by ABI version; headers of older distributions lack the newer ones.
#define FS_EXECUTE (1ULL << 0)
#define FS_WRITE_FILE (1ULL << 1)
#define FS_READ_FILE (1ULL << 2)
#define FS_READ_DIR (1ULL << 3)
#define FS_ABI1_ALL ((1ULL << 13) - 1)
#define FS_REFER (1ULL << 13)    /* ABI 2 */
#define FS_TRUNCATE (1ULL << 14) /* ABI 3 */
#define FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */
#define SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define SCOPE_SIGNAL (1ULL << 1)        /* ABI 6 */
#define RULE_PATH_BENEATH 1
#define RULE_NET_PORT 2
// Rights that make sense on a file (rather than a folder); the kernel refuses the others on a file rule.
#define FS_FILE_RIGHTS (FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV)

struct ruleset_attr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct path_beneath_attr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));
struct net_port_attr {
  uint64_t allowed_access;
  uint64_t port;
};

enum net_mode { NET_HOST, NET_NONE, NET_PORTS };

struct forward {
  int port;
  const char *socket_path;
  int listener;
};

struct options {
  struct forward forwards[MAX_FORWARDS];
  int forward_count;
  int landlock;
  const char *read_paths[MAX_ITEMS];
  int read_count;
  const char *write_paths[MAX_ITEMS];
  int write_count;
  enum net_mode net;
  long ports[MAX_ITEMS];
  int port_count;
  long nofile;
  long nproc;
  int no_new_privs;
  int deny_udp;
  int lo_up;
  int drop_caps;
  const char *tmpfs_path;
  const char *tmpfs_size;
  char **command;
};

static void die(const char *format, ...) {
  va_list args;
  va_start(args, format);
  fputs("sb-launch: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
  exit(EXIT_SETUP);
}

static long parse_number(const char *text, long min, long max, const char *what) {
  char *end = NULL;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    die("%s must be a number from %ld to %ld, not \"%s\"", what, min, max, text);
  }
  return value;
}

static void add_path(const char **list, int *count, const char *path) {
  if (*count >= MAX_ITEMS) die("too many paths (at most %d of each kind)", MAX_ITEMS);
  if (path[0] != '/') die("\"%s\" is not an absolute path", path);
  list[(*count)++] = path;
}

static void parse_forward(struct options *options, const char *text) {
  const char *colon = strchr(text, ':');
  if (colon == NULL || colon[1] == '\0') die("--forward wants PORT:SOCKET, not \"%s\"", text);
  if (options->forward_count >= MAX_FORWARDS) die("too many --forward (at most %d)", MAX_FORWARDS);
  char port[16];
  size_t length = (size_t)(colon - text);
  if (length == 0 || length >= sizeof(port)) die("--forward wants PORT:SOCKET, not \"%s\"", text);
  memcpy(port, text, length);
  port[length] = '\0';
  struct forward *forward = &options->forwards[options->forward_count++];
  forward->port = (int)parse_number(port, 1, 65535, "the --forward port");
  forward->socket_path = colon + 1;
  if (strlen(forward->socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
    die("socket path too long: %s", forward->socket_path);
  }
}

static void parse_net(struct options *options, const char *text) {
  options->landlock = 1;
  if (strcmp(text, "host") == 0) {
    options->net = NET_HOST;
  } else if (strcmp(text, "none") == 0) {
    options->net = NET_NONE;
  } else if (strncmp(text, "port:", 5) == 0) {
    if (options->port_count >= MAX_ITEMS) die("too many ports");
    options->ports[options->port_count++] = parse_number(text + 5, 1, 65535, "the --landlock-net port");
    options->net = NET_PORTS;
  } else {
    die("--landlock-net wants host, none or port:N, not \"%s\"", text);
  }
}

static void parse_options(struct options *options, int argc, char **argv) {
  int i = 1;
  for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
    const char *name = argv[i];
    if (strcmp(name, "--landlock") == 0) { options->landlock = 1; continue; }
    if (strcmp(name, "--no-new-privs") == 0) { options->no_new_privs = 1; continue; }
    if (strcmp(name, "--deny-udp") == 0) { options->deny_udp = 1; continue; }
    if (strcmp(name, "--lo-up") == 0) { options->lo_up = 1; continue; }
    if (strcmp(name, "--drop-caps") == 0) { options->drop_caps = 1; continue; }
    if (i + 1 >= argc) die("%s wants a value (or unknown option)", name);
    const char *value = argv[++i];
    if (strcmp(name, "--tmpfs") == 0) {
      // PATH:BYTES — a size-bounded tmpfs mounted on PATH (in the launcher's own mount namespace).
      char *colon = strrchr((char *)value, ':');
      if (colon == NULL || colon == value || colon[1] == '\0') die("--tmpfs wants PATH:BYTES, not \"%s\"", value);
      *colon = '\0';
      options->tmpfs_path = value;
      options->tmpfs_size = colon + 1;
      for (const char *c = options->tmpfs_size; *c; c++) {
        if (*c < '0' || *c > '9') die("--tmpfs: the size must be a number of bytes");
      }
    } else if (strcmp(name, "--forward") == 0) {
      parse_forward(options, value);
    } else if (strcmp(name, "--landlock-read") == 0) {
      options->landlock = 1;
      add_path(options->read_paths, &options->read_count, value);
    } else if (strcmp(name, "--landlock-write") == 0) {
      options->landlock = 1;
      add_path(options->write_paths, &options->write_count, value);
    } else if (strcmp(name, "--landlock-net") == 0) {
      parse_net(options, value);
    } else if (strcmp(name, "--nofile") == 0) {
      options->nofile = parse_number(value, 1, 1L << 30, "--nofile");
    } else if (strcmp(name, "--nproc") == 0) {
      options->nproc = parse_number(value, 1, 1L << 30, "--nproc");
    } else {
      die("unknown option %s", name);
    }
  }
  if (i + 1 >= argc) die("no command (usage: sb-launch [options] -- COMMAND ARGS...)");
  options->command = &argv[i + 1];
}

/* ---- Forwarders: 127.0.0.1:PORT → Unix socket, for servers in a network namespace that reach a proxy. ---- */

struct pipe_end {
  int fd;
  int eof;            /* nothing more will be read from fd */
  int shut;           /* fd was shut down for writing */
  char buffer[BUFFER_BYTES]; /* bytes read from the *other* end, waiting to be written to fd */
  size_t start, end;
};

struct connection {
  struct pipe_end ends[2]; /* 0: TCP client, 1: Unix socket */
};

static struct connection *connections[MAX_CONNECTIONS];

static int open_listener(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) die("forward: socket: %s", strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
    die("forward: cannot listen on 127.0.0.1:%d: %s", port, strerror(errno));
  }
  if (listen(fd, 64) != 0) die("forward: listen: %s", strerror(errno));
  return fd;
}

static int connect_unix(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, path, sizeof(address.sun_path) - 1);
  // A Unix connect completes at once or fails (EAGAIN: the backlog is full); either way no waiting here.
  if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void accept_one(const struct forward *forward) {
  int client = accept4(forward->listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (client < 0) return;
  int slot = 0;
  while (slot < MAX_CONNECTIONS && connections[slot] != NULL) slot++;
  int upstream = slot < MAX_CONNECTIONS ? connect_unix(forward->socket_path) : -1;
  struct connection *connection = upstream >= 0 ? calloc(1, sizeof(*connection)) : NULL;
  if (connection == NULL) {
    if (upstream >= 0) close(upstream);
    close(client);
    return;
  }
  connection->ends[0].fd = client;
  connection->ends[1].fd = upstream;
  connections[slot] = connection;
}

/* Moves bytes from `from` into the buffer of `to`; returns -1 on a hard error. */
static int pump_in(struct pipe_end *from, struct pipe_end *to) {
  if (from->eof || to->end != 0) return 0;
  ssize_t count = read(from->fd, to->buffer, sizeof(to->buffer));
  if (count > 0) { to->start = 0; to->end = (size_t)count; return 0; }
  if (count == 0) { from->eof = 1; return 0; }
  return errno == EAGAIN || errno == EINTR ? 0 : -1;
}

/* Writes the buffered bytes of `to`; once its peer ended and the buffer is empty, half-closes `to`. */
static int pump_out(struct pipe_end *to, const struct pipe_end *peer) {
  if (to->end > to->start) {
    ssize_t count = send(to->fd, to->buffer + to->start, to->end - to->start, MSG_NOSIGNAL);
    if (count < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    to->start += (size_t)count;
    if (to->start == to->end) to->start = to->end = 0;
  }
  if (peer->eof && to->end == 0 && !to->shut) {
    shutdown(to->fd, SHUT_WR);
    to->shut = 1;
  }
  return 0;
}

static void drop(int slot) {
  close(connections[slot]->ends[0].fd);
  close(connections[slot]->ends[1].fd);
  free(connections[slot]);
  connections[slot] = NULL;
}

static void service(int slot, const struct pollfd *pair) {
  struct pipe_end *ends = connections[slot]->ends;
  if ((pair[0].revents | pair[1].revents) & (POLLERR | POLLNVAL)) {
    drop(slot);
    return;
  }
  // Hung up after its last byte was read: nothing more can be written to it either.
  for (int i = 0; i < 2; i++) {
    if ((pair[i].revents & POLLHUP) && ends[i].eof) {
      ends[i].shut = 1;
      ends[i].start = ends[i].end = 0;
    }
  }
  int failed = pump_in(&ends[0], &ends[1]) | pump_in(&ends[1], &ends[0]) | pump_out(&ends[0], &ends[1]) |
               pump_out(&ends[1], &ends[0]);
  if (failed || (ends[0].shut && ends[1].shut)) drop(slot);
}

static short interest(const struct pipe_end *self, const struct pipe_end *other) {
  short events = 0;
  if (!self->eof && other->end == 0) events |= POLLIN;
  if (self->end > self->start) events |= POLLOUT;
  return events;
}

static void forward_loop(const struct options *options, pid_t parent) {
  struct pollfd fds[MAX_FORWARDS + 2 * MAX_CONNECTIONS];
  int slots[MAX_CONNECTIONS];
  for (;;) {
    // Only live entries are polled: poll() refuses more descriptors than RLIMIT_NOFILE, which may be small.
    int count = 0;
    int active = 0;
    for (int i = 0; i < options->forward_count; i++) {
      fds[count++] = (struct pollfd){.fd = options->forwards[i].listener, .events = POLLIN};
    }
    for (int slot = 0; slot < MAX_CONNECTIONS; slot++) {
      if (!connections[slot]) continue;
      struct pipe_end *ends = connections[slot]->ends;
      slots[active++] = slot;
      fds[count++] = (struct pollfd){.fd = ends[0].fd, .events = interest(&ends[0], &ends[1])};
      fds[count++] = (struct pollfd){.fd = ends[1].fd, .events = interest(&ends[1], &ends[0])};
    }
    // The timeout bounds how long a forwarder outlives a server whose death signal it missed.
    if (poll(fds, (nfds_t)count, 1000) < 0 && errno != EINTR) _exit(1);
    if (getppid() != parent) _exit(0);
    for (int i = 0; i < options->forward_count; i++) {
      if (fds[i].revents & POLLIN) accept_one(&options->forwards[i]);
    }
    for (int k = 0; k < active; k++) {
      const struct pollfd *pair = &fds[options->forward_count + 2 * k];
      if (connections[slots[k]] && (pair[0].revents || pair[1].revents)) service(slots[k], pair);
    }
  }
}

/* The forwarder holds nothing of the server's: not its stdio (a reader would never see EOF) nor other files. */
static void detach_forwarder(const struct options *options) {
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
  }
  int keep[MAX_FORWARDS + 1];
  for (int i = 0; i < options->forward_count; i++) keep[i] = options->forwards[i].listener;
  long last = sysconf(_SC_OPEN_MAX);
  if (last < 0 || last > 65536) last = 65536;
  for (int fd = 3; fd < last; fd++) {
    int kept = 0;
    for (int i = 0; i < options->forward_count; i++) kept |= keep[i] == fd;
    if (!kept) close(fd);
  }
}

/* Listening before the fork (and before capabilities go) means the port is ready by the time the server runs. */
static void open_listeners(struct options *options) {
  for (int i = 0; i < options->forward_count; i++) {
    options->forwards[i].listener = open_listener(options->forwards[i].port);
  }
}

static void start_forwarders(const struct options *options) {
  if (options->forward_count == 0) return;
  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) die("forward: fork: %s", strerror(errno));
  if (child == 0) {
    // The launcher becomes the server by exec; the forwarder dies with it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    signal(SIGPIPE, SIG_IGN);
    detach_forwarder(options);
    forward_loop(options, parent);
  }
  for (int i = 0; i < options->forward_count; i++) close(options->forwards[i].listener);
}

/* ---- Mount namespace: the private tmp ---- */

/* Needs a mount namespace of the launcher's own (unshare --mount; its propagation is private, so nothing of it
 * reaches the host). The Landlock rules opened afterwards refer to this tmpfs, not to the folder under it. */
static void mount_tmpfs(const char *path, const char *size) {
  char data[64];
  if (snprintf(data, sizeof data, "size=%s,mode=1777", size) >= (int)sizeof data) die("--tmpfs: size too long");
  if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, data) != 0) {
    die("--tmpfs: cannot mount a tmpfs on %s: %s", path, strerror(errno));
  }
}

/* ---- Network namespace: loopback ---- */

/* A new network namespace starts with `lo` down: nothing, not even 127.0.0.1, is reachable until it is up. */
static void bring_loopback_up(void) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("--lo-up: socket: %s", strerror(errno));
  struct ifreq request = {0};
  strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl(fd, SIOCGIFFLAGS, &request) != 0) die("--lo-up: cannot read the flags of lo: %s", strerror(errno));
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl(fd, SIOCSIFFLAGS, &request) != 0) die("--lo-up: cannot bring lo up: %s", strerror(errno));
  close(fd);
}

/* ---- Capabilities ---- */

/* The highest capability number this kernel knows (the bounding set holds exactly 0..last). */
static int last_capability(void) {
  int last = 0;
  while (last < 255 && prctl(PR_CAPBSET_READ, (unsigned long)(last + 1), 0, 0, 0) >= 0) last++;
  return last;
}

/* Fails unless every capability set of this process, as the kernel reports it, is empty. */
static void verify_no_capabilities(void) {
  FILE *status = fopen("/proc/self/status", "re");
  if (status == NULL) die("--drop-caps: cannot read /proc/self/status: %s", strerror(errno));
  static const char *const names[] = {"CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:"};
  int seen = 0;
  char line[256];
  while (fgets(line, sizeof(line), status) != NULL) {
    for (int i = 0; i < 5; i++) {
      size_t length = strlen(names[i]);
      if (strncmp(line, names[i], length) != 0) continue;
      char *end = NULL;
      unsigned long long value = strtoull(line + length, &end, 16);
      if (end == line + length || value != 0) die("--drop-caps: %s is still %s", names[i], line + length);
      seen |= 1 << i;
    }
  }
  fclose(status);
  // CapEff must have been seen; the others are missing only on kernels without them (CapAmb before 4.3).
  if (!(seen & (1 << 2))) die("--drop-caps: /proc/self/status has no CapEff line");
}

/*
 * A root gateway's server (or any server in a user namespace of its own) would keep every capability: the
 * bounding set goes first (no exec can regain one), then the ambient, effective, permitted and inheritable sets.
 */
static void drop_capabilities(void) {
  int last = last_capability();
  for (int cap = 0; cap <= last; cap++) {
    // Already gone (dropping it again would need CAP_SETPCAP, which may be gone too).
    if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) == 0) continue;
    if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) != 0) {
      die("--drop-caps: cannot drop capability %d from the bounding set: %s", cap, strerror(errno));
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    die("--drop-caps: cannot clear the ambient capabilities: %s", strerror(errno));
  }
  struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
  memset(data, 0, sizeof(data));
  if (syscall(SYS_capset, &header, data) != 0) die("--drop-caps: capset: %s", strerror(errno));
  verify_no_capabilities();
}

/* ---- Limits ---- */

static void set_limit(int resource, long value, const char *name) {
  struct rlimit limit = {.rlim_cur = (rlim_t)value, .rlim_max = (rlim_t)value};
  if (setrlimit(resource, &limit) != 0) die("cannot set %s to %ld: %s", name, value, strerror(errno));
}

/* ---- Landlock ---- */

static int landlock_abi(enum net_mode net) {
  long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
  if (abi < 0 && errno == ENOSYS) die("Landlock is not supported by this kernel (needs Linux 5.13 or later)");
  if (abi < 0 && errno == EOPNOTSUPP) {
    die("Landlock is disabled on this kernel (add landlock to the lsm= boot parameter)");
  }
  if (abi < 0) die("Landlock is unavailable: %s", strerror(errno));
  if (net != NET_HOST && abi < 4) {
    die("Landlock ABI %ld cannot restrict the network (needs ABI 4, Linux 6.7 or later)", abi);
  }
  return (int)abi;
}

static uint64_t fs_rights(int abi) {
  uint64_t rights = FS_ABI1_ALL;
  if (abi >= 2) rights |= FS_REFER;
  if (abi >= 3) rights |= FS_TRUNCATE;
  if (abi >= 5) rights |= FS_IOCTL_DEV;
  return rights;
}

static void add_path_rule(int ruleset, const char *path, uint64_t access) {
  int fd = open(path, O_PATH | O_CLOEXEC);
  if (fd < 0) die("cannot open %s for the Landlock ruleset: %s", path, strerror(errno));
  struct stat info;
  if (fstat(fd, &info) != 0) die("cannot stat %s: %s", path, strerror(errno));
  if (!S_ISDIR(info.st_mode)) access &= FS_FILE_RIGHTS;
  struct path_beneath_attr rule = {.allowed_access = access, .parent_fd = fd};
  if (syscall(SYS_landlock_add_rule, ruleset, RULE_PATH_BENEATH, &rule, 0) != 0) {
    die("cannot add the Landlock rule for %s: %s", path, strerror(errno));
  }
  close(fd);
}

static void add_port_rule(int ruleset, long port) {
  struct net_port_attr rule = {.allowed_access = NET_CONNECT_TCP, .port = (uint64_t)port};
  if (syscall(SYS_landlock_add_rule, ruleset, RULE_NET_PORT, &rule, 0) != 0) {
    die("cannot add the Landlock rule for port %ld: %s", port, strerror(errno));
  }
}

static void apply_landlock(const struct options *options) {
  int abi = landlock_abi(options->net);
  uint64_t all = fs_rights(abi);
  struct ruleset_attr attr = {.handled_access_fs = all};
  // The attribute grew with the ABI; an older kernel is given only the fields it knows.
  size_t size = sizeof(uint64_t);
  if (abi >= 4) {
    size = 2 * sizeof(uint64_t);
    if (options->net != NET_HOST) attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP;
  }
  if (abi >= 6) {
    size = sizeof(attr);
    // Signals and abstract Unix sockets reaching outside the sandbox would bypass the rest.
    attr.scoped = SCOPE_SIGNAL | (options->net != NET_HOST ? SCOPE_ABSTRACT_UNIX : 0);
  }
  int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
  if (ruleset < 0) die("cannot create the Landlock ruleset: %s", strerror(errno));
  // Reading a file is enough to run it (through an interpreter or the loader), so read paths may execute too.
  uint64_t read = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE;
  for (int i = 0; i < options->read_count; i++) add_path_rule(ruleset, options->read_paths[i], read);
  for (int i = 0; i < options->write_count; i++) add_path_rule(ruleset, options->write_paths[i], all);
  if (options->net == NET_PORTS) {
    for (int i = 0; i < options->port_count; i++) add_port_rule(ruleset, options->ports[i]);
  }
  if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) die("cannot apply Landlock: %s", strerror(errno));
  close(ruleset);
}

/* ---- Seccomp: the network beyond TCP ---- */
// Landlock restricts TCP bind and connect only, and without a network namespace everything else (UDP, raw and
// packet sockets, SCTP, MPTCP, SMC, vsock...) would reach the host's network. The filter lets IP sockets be
// created only as TCP streams, other families only for Unix and netlink sockets, and refuses io_uring, whose
// IORING_OP_SOCKET creates sockets without the socket system call.

#define FILTER_MAX 256
#define SOCKETCALL_SOCKET 1     /* socketcall(2) call numbers (linux/net.h) */
#define SOCKETCALL_SOCKETPAIR 8
#define X32_SYSCALL_BIT 0x40000000U

/* How one system call number is judged. */
enum rule_kind { RULE_SOCKET, RULE_SOCKETCALL, RULE_DENY };

struct syscall_rule {
  uint32_t nr;
  enum rule_kind kind;
};

/* The rules of one audit architecture: a process may switch ABI (x32, 32-bit compat), each has its numbers. */
struct arch_rules {
  uint32_t arch;
  struct syscall_rule rules[8];
  int count;
};

#if (defined(__x86_64__) || defined(__aarch64__)) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FILTER_SUPPORTED 1
static const struct arch_rules ARCHES[] = {
#if defined(__x86_64__)
    /* x86_64 and x32 share the audit arch; x32 numbers carry X32_SYSCALL_BIT. */
    {AUDIT_ARCH_X86_64,
     {{41, RULE_SOCKET}, {53, RULE_SOCKET}, {425, RULE_DENY},
      {X32_SYSCALL_BIT | 41, RULE_SOCKET}, {X32_SYSCALL_BIT | 53, RULE_SOCKET}, {X32_SYSCALL_BIT | 425, RULE_DENY}},
     6},
    /* i386 (int 0x80 or a 32-bit program): socketcall passes its arguments by pointer, which seccomp cannot read. */
    {AUDIT_ARCH_I386, {{359, RULE_SOCKET}, {360, RULE_SOCKET}, {425, RULE_DENY}, {102, RULE_SOCKETCALL}}, 4},
#else
    {AUDIT_ARCH_AARCH64, {{198, RULE_SOCKET}, {199, RULE_SOCKET}, {425, RULE_DENY}}, 3},
    {AUDIT_ARCH_ARM, {{281, RULE_SOCKET}, {288, RULE_SOCKET}, {425, RULE_DENY}}, 3},
#endif
};
#else
#define FILTER_SUPPORTED 0
#endif

struct program {
  struct sock_filter code[FILTER_MAX];
  int length;
};

static void emit(struct program *program, struct sock_filter instruction) {
  if (program->length >= FILTER_MAX) die("the seccomp filter is too long");
  program->code[program->length++] = instruction;
}

static struct sock_filter load(uint32_t offset) {
  return (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset);
}

static struct sock_filter jump_if(uint32_t value, uint8_t if_true, uint8_t if_false) {
  return (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, if_true, if_false);
}

static struct sock_filter give(uint32_t action) {
  return (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, action);
}

/* Low 32 bits of an argument (little-endian): the kernel reads the socket arguments as int. */
#define ARG(n) ((uint32_t)offsetof(struct seccomp_data, args[n]))
#define ALLOW SECCOMP_RET_ALLOW
#define REFUSE(error) (SECCOMP_RET_ERRNO | ((error) & SECCOMP_RET_DATA))

/* socket and socketpair: family, then for IP the type (SOCK_STREAM) and protocol (0 or TCP). Jumps count the
   instructions skipped: the last two are "refuse" and "allow". */
static void emit_socket_body(struct program *p) {
  emit(p, load(ARG(0)));
  emit(p, jump_if(AF_UNIX, 10, 0));
  emit(p, jump_if(AF_NETLINK, 9, 0));
  emit(p, jump_if(AF_INET, 1, 0));
  emit(p, jump_if(AF_INET6, 0, 6));
  emit(p, load(ARG(1)));
  emit(p, (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf)); /* SOCK_TYPE_MASK: drops the flags */
  emit(p, jump_if(SOCK_STREAM, 0, 3));
  emit(p, load(ARG(2)));
  emit(p, jump_if(0, 2, 0));
  emit(p, jump_if(IPPROTO_TCP, 1, 0));
  emit(p, give(REFUSE(EACCES)));
  emit(p, give(ALLOW));
}

/* i386 socketcall: creating a socket through it is refused outright; calls on existing sockets pass. */
static void emit_socketcall_body(struct program *p) {
  emit(p, load(ARG(0)));
  emit(p, jump_if(SOCKETCALL_SOCKET, 1, 0));
  emit(p, jump_if(SOCKETCALL_SOCKETPAIR, 0, 1));
  emit(p, give(REFUSE(EACCES)));
  emit(p, give(ALLOW));
}

static void emit_rule(struct program *p, const struct syscall_rule *rule) {
  int test = p->length;
  emit(p, jump_if(rule->nr, 0, 0));
  if (rule->kind == RULE_SOCKET) emit_socket_body(p);
  if (rule->kind == RULE_SOCKETCALL) emit_socketcall_body(p);
  if (rule->kind == RULE_DENY) emit(p, give(REFUSE(EPERM)));
  p->code[test].jf = (uint8_t)(p->length - test - 1); /* not this call: on to the next rule */
}

#if FILTER_SUPPORTED
static void build_filter(struct program *p) {
  int arch_count = (int)(sizeof(ARCHES) / sizeof(ARCHES[0]));
  int dispatch[8];
  emit(p, load((uint32_t)offsetof(struct seccomp_data, arch)));
  for (int i = 0; i < arch_count; i++) {
    dispatch[i] = p->length;
    emit(p, jump_if(ARCHES[i].arch, 0, 0));
  }
  // A system call of an ABI this filter does not know could create any socket: the process dies instead.
  emit(p, give(SECCOMP_RET_KILL_PROCESS));
  for (int i = 0; i < arch_count; i++) {
    int distance = p->length - dispatch[i] - 1;
    if (distance > 255) die("the seccomp filter is too long");
    p->code[dispatch[i]].jt = (uint8_t)distance;
    emit(p, load((uint32_t)offsetof(struct seccomp_data, nr)));
    for (int r = 0; r < ARCHES[i].count; r++) emit_rule(p, &ARCHES[i].rules[r]);
    emit(p, give(ALLOW));
  }
}
#endif

static void apply_socket_filter(void) {
#if FILTER_SUPPORTED
  static struct program program;
  build_filter(&program);
  struct sock_fprog filter = {.len = (unsigned short)program.length, .filter = program.code};
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) != 0) {
    die("cannot install the seccomp filter: %s", strerror(errno));
  }
#else
  die("--deny-udp has no seccomp filter for this architecture (only x86_64 and aarch64)");
#endif
}

int main(int argc, char **argv) {
  struct options options = {0};
  parse_options(&options, argc, argv);
  // Forwarders bind 127.0.0.1, which exists in a new network namespace only once lo is up.
  if (options.lo_up) bring_loopback_up();
  // While capabilities remain: a size-bounded tmpfs over the private tmp, so the server cannot fill the disk.
  if (options.tmpfs_path) mount_tmpfs(options.tmpfs_path, options.tmpfs_size);
  open_listeners(&options);
  // Before the fork: the forwarder, which outlives nothing but runs beside the server, holds no capability either.
  if (options.drop_caps) drop_capabilities();
  start_forwarders(&options);
  if (options.nofile > 0) set_limit(RLIMIT_NOFILE, options.nofile, "RLIMIT_NOFILE");
  if (options.nproc > 0) set_limit(RLIMIT_NPROC, options.nproc, "RLIMIT_NPROC");
  if ((options.no_new_privs || options.landlock || options.deny_udp) && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    die("cannot set no_new_privs: %s", strerror(errno));
  }
  if (options.landlock) apply_landlock(&options);
  if (options.deny_udp) apply_socket_filter();
  execvp(options.command[0], options.command);
  fprintf(stderr, "sb-launch: cannot run %s: %s\n", options.command[0], strerror(errno));
  return EXIT_EXEC;
}
