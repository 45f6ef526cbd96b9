#ifndef MOAT_CDEFLATE_SHIM_H
#define MOAT_CDEFLATE_SHIM_H
/* libdeflate: whole-buffer inflation, about twice as fast as zlib's streaming inflate. */
#include <libdeflate.h>
#endif
