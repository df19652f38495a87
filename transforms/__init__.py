"""Pure privacy transforms, the registry and the policy. No Kafka in here."""

import os

# tldextract (used by Presidio's email and URL recognizers) otherwise fetches the public suffix
# list from the network on first use; its bundled snapshot is enough. This runs before any
# submodule can import Presidio.
os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
