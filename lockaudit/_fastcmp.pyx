# placeholder while the compiled core is written
from ._purecmp import normalize, sort_versions, compile_spec, filter_versions, CompiledSpec, ReleaseHistory
