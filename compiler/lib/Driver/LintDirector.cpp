// STUB (replaced by the Director work): `overlordc check-director`.
#include "overlord/Driver/Driver.h"
int overlord::driver::runCheckDirector() { return -1; }
