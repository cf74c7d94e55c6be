// STUB (replaced by the AppJail helper): `overlordc check-makejail` and
// `overlordc check-director`.
#include "overlord/Driver/Driver.h"
int overlord::driver::runLintCommands() { return -1; }
