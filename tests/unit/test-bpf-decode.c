#include <criterion/criterion.h>
Test(placeholder, bpf_decode) { cr_assert(1); }
