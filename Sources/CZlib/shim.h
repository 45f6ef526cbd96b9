#ifndef MOAT_CZLIB_SHIM_H
#define MOAT_CZLIB_SHIM_H
#include <zlib.h>
/* inflateInit/inflateInit2 are macros: Swift cannot see them. */
static inline int czlib_inflate_init(z_stream *s) { return inflateInit(s); }
static inline int czlib_inflate_init_raw(z_stream *s) { return inflateInit2(s, -MAX_WBITS); }
static inline int czlib_inflate_init_auto(z_stream *s) { return inflateInit2(s, MAX_WBITS + 32); }
#endif
