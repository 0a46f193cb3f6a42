/* bcryptprimitives.dll for Wine 8, which lacks it: Go >= 1.22 calls
 * ProcessPrng at start-up and stops with "bcryptprimitives.dll not found"
 * without it. Fills the buffer from RtlGenRandom (advapi32's
 * SystemFunction036), the OS's CSPRNG. Test machinery only: never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
