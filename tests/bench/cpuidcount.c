/* cpuidcount PROG [ARG...]: how many cpuid instructions PROG executes from
 * its exec to its exit, and how many instructions in all. It single-steps
 * PROG under ptrace (stdin, stdout and stderr as given) and looks at each
 * instruction before it runs. Under a hypervisor every cpuid traps to it
 * (about 1.5 to 3 us each on the project's VM), so this counts the part
 * of a process start that a bare-metal machine would not pay:
 *
 *   cpuidcount ./a.out  ->  "instructions 31518 cpuid 41"
 *
 * x86-64 only (cpuid is 0f a2).
 */
#include <errno.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

int main (int argc, char **argv)
{
  unsigned long steps = 0, cpuids = 0;
  int status;
  pid_t pid;
  if (argc < 2) { fprintf(stderr, "cpuidcount: usage: cpuidcount PROG [ARG...]\n"); return 100; }
  pid = fork();
  if (pid < 0) { perror("cpuidcount: fork"); return 111; }
  if (!pid)
  {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    execv(argv[1], argv + 1);
    _exit(127);
  }
  /* stopped at the exec: from here on, one instruction at a time */
  if (waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) { fprintf(stderr, "cpuidcount: no exec\n"); return 111; }
  for (;;)
  {
    struct user_regs_struct r;
    long word;
    if (ptrace(PTRACE_GETREGS, pid, 0, &r) < 0) break;
    errno = 0;
    word = ptrace(PTRACE_PEEKTEXT, pid, r.rip, 0);
    if (!errno && (word & 0xffff) == 0xa20f) cpuids++;
    steps++;
    if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0) break;
    if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) break;
  }
  printf("instructions %lu cpuid %lu\n", steps, cpuids);
  return 0;
}
