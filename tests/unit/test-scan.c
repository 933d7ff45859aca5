#include <criterion/criterion.h>
Test(placeholder, scan) { cr_assert(1); }
