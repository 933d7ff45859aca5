/* A non-leader thread calls execv(argv[1], argv + 1): the kernel then reports
 * EXIT for the old leader before the EXEC, a trap for monitors. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static char **args;

static void *run(void *unused)
{
	(void)unused;
	execv(args[0], args);
	perror("execv");
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGRAM [ARG...]\n", argv[0]);
		return 2;
	}
	args = argv + 1;
	if (pthread_create(&t, NULL, run, NULL))
		return 1;
	for (;;)
		pause();
}
