// STUB (replaced by the Makejail work): `overlordc check-makejail`.
#include "overlord/Driver/Driver.h"
int overlord::driver::runCheckMakejail() { return -1; }
