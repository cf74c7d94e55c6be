// STUB: replaced by the AppJail checks.
#include "overlord/AppJail/Director.h"
#include "overlord/AppJail/Makejail.h"
#include "overlord/AppJail/Options.h"
