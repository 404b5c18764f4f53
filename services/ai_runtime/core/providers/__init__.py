"""Model providers behind one small interface (:mod:`.base`), one module each."""
