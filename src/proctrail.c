#include "proctrail/proctrail.h"
int main(void) { return 0; }
