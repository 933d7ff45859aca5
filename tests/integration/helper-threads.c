/* Renames itself (a comm event), runs N threads that each live MS
 * milliseconds, then exits with status CODE. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>

static long ms;

static void *run(void *unused)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	(void)unused;
	nanosleep(&ts, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4;
	int code = argc > 3 ? atoi(argv[3]) : 0;
	pthread_t t[256];

	ms = argc > 2 ? atol(argv[2]) : 50;
	if (n < 0 || n > 256)
		return 2;
	prctl(PR_SET_NAME, "pt-renamed", 0, 0, 0);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, run, NULL))
			return 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return code;
}
