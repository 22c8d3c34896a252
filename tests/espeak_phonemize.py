"""Print eSpeak NG's phonemes (the wheel's library) for each stdin line, one output line each; used by the phoneme tests.

Run in its own process so the test process never initializes eSpeak beside pyttsx3.
"""

import ctypes
import sys

import espeakng_loader


def main() -> None:
    """Phonemize stdin lines with the en voice and print them in order."""
    lib = ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    if lib.espeak_Initialize(0x02, 0, espeakng_loader.get_data_path().encode(), 0) <= 0:
        sys.exit(3)
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetVoiceByName(b"en")
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_int, ctypes.c_int]
    for line in sys.stdin.read().splitlines():
        buffer = ctypes.create_string_buffer(line.encode("utf-8"))
        pointer = ctypes.c_void_p(ctypes.addressof(buffer))
        clauses = []
        while pointer.value:
            clauses.append((lib.espeak_TextToPhonemes(ctypes.byref(pointer), 1, 0) or b"").decode("utf-8"))
        print(" ".join(clauses))


if __name__ == "__main__":
    main()
