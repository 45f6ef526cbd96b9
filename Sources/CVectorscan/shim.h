#ifndef MOAT_CVECTORSCAN_SHIM_H
#define MOAT_CVECTORSCAN_SHIM_H
/* vectorscan (the portable Hyperscan fork, Debian's libvectorscan-dev; same API and the same
   pkg-config name, libhs, as Hyperscan). */
#include <hs/hs.h>
#endif
