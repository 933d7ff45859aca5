#include <criterion/criterion.h>
Test(placeholder, json) { cr_assert(1); }
