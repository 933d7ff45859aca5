/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Print the FIELDS list of proctrail(1) from the field registry. */
#include <stdio.h>
#include <stdlib.h>

#include "proctrail/proctrail.h"

int main(void)
{
	size_t len;
	char *s = pt_fields_man(&len);

	if (!s) {
		perror("pt_fields_man");
		return 1;
	}
	if (fwrite(s, 1, len, stdout) != len || fflush(stdout) != 0) {
		free(s);
		return 1;
	}
	free(s);
	return 0;
}
