/*
 * reclaim-lab's guest driver: executes a plan compiled from a scenario's
 * workload (packages/real/src/plan.ts) with real mmap, loads, stores,
 * read(2), write(2), madvise and fsync, one process per task in its memcg,
 * and prints /proc/vmstat plus each memcg's memory.stat and memory.events
 * at every phase boundary on the console, one write(2) per snapshot so
 * lines from concurrent tasks never interleave.
 *
 * Usage: driver PLAN            run it (in the guest)
 *        driver --dry PLAN      print each task's event count and a 64-bit
 *                               FNV-1a hash of the (op, region, arg) words
 *                               it would execute, touching nothing (host tests)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096L
#define MAX_TASKS 256
#define MAX_REGIONS 16
#define MAX_MEMCGS 32
#define MAX_FILES 32
#define OUTBUF (256 * 1024)

/* Ops: the simulator's OP_* numbering (packages/hw-model/src/events.ts). */
enum { OP_LOAD, OP_STORE, OP_READ, OP_WRITE, OP_THINK, OP_MAP, OP_UNMAP, OP_MADVISE,
       OP_FSYNC, OP_OPDONE, OP_PHASE, OP_APPSTATE, OP_EXT = 15 };
enum { K_ANON, K_FILE_MAPPED, K_FILE_FD };

struct region {
  int kind, file, mlock, exec, advice, map_at_start, shmem;
  long pages, offset;
  int fd;
  unsigned char *base;
};
struct task {
  char name[64], memcg[256];
  long long start_ns;
  int oom_adj, nregions;
  long long nwords, words_off;
  struct region r[MAX_REGIONS];
};
struct file { char name[64]; long pages; };

static struct task tasks[MAX_TASKS];
static struct file files[MAX_FILES];
static char memcgs[MAX_MEMCGS][256];
static int ntasks, nfiles, nmemcgs;
static long long data_off = -1;
static char out[OUTBUF];
static char tmp[64 * 1024];
static unsigned char iobuf[PAGE] __attribute__((aligned(4096)));
static uint32_t words[16384];
static const char *cgroot = "/sys/fs/cgroup/rl";

static void die(const char *what) {
  dprintf(1, "@@RL error %s: %s\n", what, strerror(errno));
  exit(3);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The plan's text header: one record per line, ended by "end". */
static long long read_header(FILE *f) {
  char line[1024];
  int t = -1, ri = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "RLPLAN ", 7)) {
      if (atoi(line + 7) != 1) { dprintf(1, "@@RL error plan version %s", line + 7); exit(3); }
    } else if (!strncmp(line, "file ", 5)) {
      if (nfiles == MAX_FILES) { dprintf(1, "@@RL error too many files\n"); exit(3); }
      sscanf(line + 5, "%63s %ld", files[nfiles].name, &files[nfiles].pages);
      nfiles++;
    } else if (!strncmp(line, "memcg ", 6)) {
      if (nmemcgs == MAX_MEMCGS) { dprintf(1, "@@RL error too many memcgs\n"); exit(3); }
      sscanf(line + 6, "%255s", memcgs[nmemcgs++]);
    } else if (!strncmp(line, "task ", 5)) {
      if (++t == MAX_TASKS) { dprintf(1, "@@RL error too many tasks\n"); exit(3); }
      struct task *k = &tasks[t];
      sscanf(line + 5, "%63s %255s %lld %d %d %lld %lld", k->name, k->memcg, &k->start_ns, &k->oom_adj,
             &k->nregions, &k->nwords, &k->words_off);
      ri = 0;
    } else if (!strncmp(line, "region ", 7)) {
      struct region *r = &tasks[t].r[ri++];
      sscanf(line + 7, "%d %ld %d %ld %d %d %d %d %d", &r->kind, &r->pages, &r->file, &r->offset, &r->mlock,
             &r->exec, &r->advice, &r->map_at_start, &r->shmem);
      r->fd = -1;
    } else if (!strncmp(line, "data ", 5)) {
      data_off = atoll(line + 5);
    } else if (!strncmp(line, "end", 3)) {
      break;
    }
  }
  ntasks = t + 1;
  if (data_off < 0) { dprintf(1, "@@RL error plan has no data line\n"); exit(3); }
  return data_off;
}

/* Appends a file's contents to out with newlines turned into spaces. */
static size_t append_file(size_t n, const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return n;
  ssize_t got = read(fd, tmp, sizeof tmp - 1);
  close(fd);
  if (got < 0) got = 0;
  for (ssize_t i = 0; i < got && n < OUTBUF - 2; i++) out[n++] = tmp[i] == '\n' ? ' ' : tmp[i];
  out[n++] = '\n';
  return n;
}

/* One snapshot: global vmstat, then every memcg's memory.stat and memory.events. */
static void snapshot(int task, int seq, int phase, const char *edge) {
  size_t n = (size_t)snprintf(out, OUTBUF, "@@RL snap task=%d seq=%d phase=%d edge=%s t=%lld\n@@RL vmstat ",
                              task, seq, phase, edge, now_ns());
  n = append_file(n, "/proc/vmstat");
  char path[1024];
  for (int m = 0; m < nmemcgs; m++) {
    n += (size_t)snprintf(out + n, OUTBUF - n, "@@RL memstat %s ", memcgs[m]);
    snprintf(path, sizeof path, "%s%s/memory.stat", cgroot, strcmp(memcgs[m], "/") ? memcgs[m] : "");
    n = append_file(n, path);
    n += (size_t)snprintf(out + n, OUTBUF - n, "@@RL memevents %s ", memcgs[m]);
    snprintf(path, sizeof path, "%s%s/memory.events", cgroot, strcmp(memcgs[m], "/") ? memcgs[m] : "");
    n = append_file(n, path);
  }
  n += (size_t)snprintf(out + n, OUTBUF - n, "@@RL endsnap task=%d seq=%d\n", task, seq);
  if (write(1, out, n) < 0) exit(4);
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  if (fd < 0 || write(fd, text, strlen(text)) < 0) die(path);
  close(fd);
}

static void map_region(struct region *r) {
  int prot = PROT_READ | PROT_WRITE | (r->exec ? PROT_EXEC : 0);
  size_t len = (size_t)r->pages * PAGE;
  if (r->kind == K_ANON) {
    r->base = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  } else if (r->kind == K_FILE_MAPPED) {
    r->base = mmap(NULL, len, prot, MAP_SHARED, r->fd, r->offset * PAGE);
  } else {
    return;
  }
  if (r->base == MAP_FAILED) die("mmap");
  /* Region advice: MADV_NORMAL/RANDOM/SEQUENTIAL share the simulator's codes. */
  if (r->advice) madvise(r->base, len, r->advice);
  if (r->mlock && mlock(r->base, len)) die("mlock");
}

static void unmap_region(struct region *r) {
  if (r->kind == K_FILE_FD || r->base == NULL) return;
  munmap(r->base, (size_t)r->pages * PAGE);
  r->base = NULL;
}

static void open_region(struct region *r) {
  char path[128];
  if (r->kind == K_ANON) return;
  if (r->shmem) snprintf(path, sizeof path, "/dev/shm/%s", files[r->file].name);
  else snprintf(path, sizeof path, "/mnt/files/%s", files[r->file].name);
  r->fd = open(path, O_RDWR);
  if (r->fd < 0) die(path);
  if (r->kind == K_FILE_FD && r->advice) posix_fadvise(r->fd, r->offset * PAGE, r->pages * PAGE, r->advice);
}

static uint64_t fnv(uint64_t h, uint32_t w) {
  for (int i = 0; i < 4; i++) {
    h ^= (w >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Runs (or, dry, hashes) one task's words. Returns the number of events. */
static long long run_task(int ti, FILE *f, int dry, uint64_t *hash) {
  struct task *k = &tasks[ti];
  long long left = k->nwords, events = 0;
  int phase = -1, seq = 0, pending_ext = -1;
  long long think_debt = 0;
  uint64_t h = 0xcbf29ce484222325ULL;
  volatile unsigned char sink = 0;
  if (!dry) {
    for (int i = 0; i < k->nregions; i++) {
      open_region(&k->r[i]);
      if (k->r[i].map_at_start) map_region(&k->r[i]);
    }
    snapshot(ti, seq++, -1, "start");
  }
  if (fseeko(f, data_off + k->words_off, SEEK_SET)) die("seek plan");
  while (left > 0) {
    size_t want = left < 16384 ? (size_t)left : 16384;
    size_t got = fread(words, 4, want, f);
    if (got != want) { dprintf(1, "@@RL error plan is short\n"); exit(3); }
    left -= (long long)got;
    for (size_t i = 0; i < got; i++) {
      uint32_t w = words[i];
      int op, reg;
      uint32_t arg;
      if (pending_ext >= 0) {
        /* The second word of an escaped event carries its full argument. */
        op = pending_ext & 15;
        reg = pending_ext >> 4;
        arg = w;
        pending_ext = -1;
      } else if ((w >> 28) == OP_EXT) {
        pending_ext = (int)((w >> 24) & 15) << 4 | (int)(w & 15);
        continue;
      } else {
        op = (int)(w >> 28);
        reg = (int)((w >> 24) & 15);
        arg = w & 0xffffff;
      }
      events++;
      if (dry) {
        /* Region 15 stands for "no region" (-1 in the simulator's events). */
        h = fnv(fnv(fnv(h, (uint32_t)op), reg == 15 ? 0xffffffffu : (uint32_t)reg), arg);
        continue;
      }
      struct region *r = &k->r[reg];
      switch (op) {
        case OP_LOAD: sink += r->base[(long)arg * PAGE]; break;
        case OP_STORE: r->base[(long)arg * PAGE] = (unsigned char)events; break;
        case OP_READ:
          if (pread(r->fd, iobuf, PAGE, (r->offset + (long)arg) * PAGE) < 0) die("pread");
          break;
        case OP_WRITE:
          iobuf[0] = (unsigned char)events;
          if (pwrite(r->fd, iobuf, PAGE, (r->offset + (long)arg) * PAGE) < 0) die("pwrite");
          break;
        case OP_THINK:
          /* Compute time is slept in 1 ms lumps: TCG runs code far slower than a CPU, so spinning would not match either. */
          think_debt += arg;
          if (think_debt >= 1000000) {
            struct timespec ts = {think_debt / 1000000000LL, think_debt % 1000000000LL};
            nanosleep(&ts, NULL);
            think_debt = 0;
          }
          break;
        case OP_MAP: map_region(r); break;
        case OP_UNMAP: unmap_region(r); break;
        case OP_MADVISE:
          if (r->kind == K_FILE_FD) posix_fadvise(r->fd, r->offset * PAGE, r->pages * PAGE, (int)arg);
          else if (r->base != NULL) madvise(r->base, (size_t)r->pages * PAGE, (int)arg);
          break;
        case OP_FSYNC:
          if (r->fd >= 0) fsync(r->fd);
          break;
        case OP_PHASE:
          if (phase >= 0) snapshot(ti, seq++, phase, "end");
          phase = (int)arg;
          snapshot(ti, seq++, phase, "begin");
          break;
        default: break;
      }
    }
  }
  (void)sink;
  if (dry) {
    printf("task %d events %lld hash %016llx\n", ti, events, (unsigned long long)h);
  } else {
    snapshot(ti, seq++, phase, "end");
  }
  *hash = h;
  return events;
}

int main(int argc, char **argv) {
  int dry = argc == 3 && !strcmp(argv[1], "--dry");
  const char *path = argv[argc - 1];
  if (argc < 2) { fprintf(stderr, "usage: driver [--dry] PLAN\n"); return 2; }
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  read_header(f);
  uint64_t hash;
  if (dry) {
    for (int i = 0; i < ntasks; i++) run_task(i, f, 1, &hash);
    return 0;
  }
  /* shmem regions map a tmpfs file per workload file, sized once and shared by every task. */
  for (int ti = 0; ti < ntasks; ti++)
    for (int i = 0; i < tasks[ti].nregions; i++) {
      struct region *r = &tasks[ti].r[i];
      if (!r->shmem) continue;
      char p[128];
      snprintf(p, sizeof p, "/dev/shm/%s", files[r->file].name);
      int fd = open(p, O_RDWR | O_CREAT, 0600);
      if (fd < 0 || ftruncate(fd, files[r->file].pages * PAGE)) die(p);
      close(fd);
    }
  setvbuf(stdout, NULL, _IONBF, 0);
  long long t0 = now_ns();
  dprintf(1, "@@RL start tasks=%d t=%lld\n", ntasks, t0);
  snapshot(-1, 0, -1, "start");
  pid_t pids[MAX_TASKS];
  for (int ti = 0; ti < ntasks; ti++) {
    pid_t pid = fork();
    if (pid < 0) die("fork");
    if (pid == 0) {
      char p[512], v[32];
      snprintf(p, sizeof p, "%s%s/cgroup.procs", cgroot, strcmp(tasks[ti].memcg, "/") ? tasks[ti].memcg : "");
      snprintf(v, sizeof v, "%d", getpid());
      write_file(p, v);
      snprintf(v, sizeof v, "%d", tasks[ti].oom_adj);
      write_file("/proc/self/oom_score_adj", v);
      long long wait = t0 + tasks[ti].start_ns - now_ns();
      if (wait > 0) {
        struct timespec ts = {wait / 1000000000LL, wait % 1000000000LL};
        nanosleep(&ts, NULL);
      }
      FILE *mine = fopen(path, "rb");
      if (!mine) die(path);
      long long n = run_task(ti, mine, 0, &hash);
      dprintf(1, "@@RL taskdone task=%d name=%s events=%lld t=%lld\n", ti, tasks[ti].name, n, now_ns());
      _exit(0);
    }
    pids[ti] = pid;
  }
  for (int done = 0; done < ntasks;) {
    int st;
    pid_t pid = wait(&st);
    if (pid < 0) break;
    for (int ti = 0; ti < ntasks; ti++)
      if (pids[ti] == pid) {
        done++;
        if (WIFSIGNALED(st)) dprintf(1, "@@RL killed task=%d signal=%d t=%lld\n", ti, WTERMSIG(st), now_ns());
        else if (WEXITSTATUS(st) != 0) dprintf(1, "@@RL failed task=%d status=%d\n", ti, WEXITSTATUS(st));
      }
  }
  snapshot(-1, 1, -1, "end");
  dprintf(1, "@@RL finish t=%lld\n", now_ns());
  return 0;
}
