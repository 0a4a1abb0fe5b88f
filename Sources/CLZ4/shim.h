// liblz4 from Debian's liblz4-dev: the block API and the frame API (lz4frame.h).
#include <lz4.h>
#include <lz4frame.h>
