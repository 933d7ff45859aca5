#include <criterion/criterion.h>
Test(placeholder, netlink_decode) { cr_assert(1); }
