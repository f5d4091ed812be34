/* rusage CMD [ARGS...]: runs CMD and prints "PEAK_RSS_KB <n> CPU_US <n> EXIT <n>" on stderr.
 * Peak RSS is VmHWM read at the child's exit stop (PTRACE_O_TRACEEXIT), so it is the exec'd
 * program's own high-water mark, not inflated by this wrapper's pages as wait4's ru_maxrss is. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long vmhwm_kb(pid_t pid) {
  char path[64], line[256];
  long kb = -1;
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof line, f) != NULL)
    if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
  fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs("usage: rusage CMD [ARGS...]\n", stderr);
    return 2;
  }
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) {
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) _exit(126);
    raise(SIGSTOP);
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  int status;
  long hwm = -1;
  if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) return 2;
  ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL));
  ptrace(PTRACE_CONT, pid, NULL, NULL);
  struct rusage ru;
  for (;;) {
    if (wait4(pid, &status, 0, &ru) < 0) return 2;
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    int sig = WSTOPSIG(status);
    if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      hwm = vmhwm_kb(pid);
      sig = 0;
    } else if (sig == SIGTRAP) {
      sig = 0; /* the stop after a successful execve */
    }
    ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig);
  }
  long cpu_us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L +
                ru.ru_stime.tv_usec;
  fprintf(stderr, "\nPEAK_RSS_KB %ld MAXRSS_KB %ld CPU_US %ld EXIT %d\n", hwm, ru.ru_maxrss, cpu_us,
          WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  return 0;
}
