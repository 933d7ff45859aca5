#include <criterion/criterion.h>
Test(placeholder, table) { cr_assert(1); }
