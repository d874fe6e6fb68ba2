"""The release described in MLCommons Croissant 1.0 (JSON-LD)."""

import pyarrow as pa

from pipeline.release.layout import CONFIGS, pattern

CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "equivalentProperty": "cr:equivalentProperty",
    "dct": "http://purl.org/dc/terms/",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
_TYPES = {pa.string(): "sc:Text", pa.int64(): "sc:Integer", pa.bool_(): "sc:Boolean"}


def _field(config: str, field: pa.Field) -> dict:
    repeated = pa.types.is_list(field.type)
    return {
        "@type": "cr:Field",
        "@id": f"{config}/{field.name}",
        "name": field.name,
        "description": field.metadata[b"description"].decode(),
        "dataType": _TYPES[field.type.value_type if repeated else field.type],
        **({"repeated": True} if repeated else {}),
        "source": {"fileSet": {"@id": f"{config}-files"}, "extract": {"column": field.name}},
    }


def croissant(meta: dict, schemas: dict[str, pa.Schema], files: dict[str, str]) -> dict:
    """The Croissant document: every Parquet file with its SHA-256, one record set per
    config. `meta` holds name, description, version, license and url; `files` maps each
    shard's relative path to its SHA-256."""
    distribution = [
        {
            "@type": "cr:FileObject",
            "@id": name,
            "name": name,
            "contentUrl": name,
            "encodingFormat": "application/x-parquet",
            "sha256": digest,
        }
        for name, digest in sorted(files.items())
    ]
    for config in CONFIGS:
        distribution.append(
            {
                "@type": "cr:FileSet",
                "@id": f"{config}-files",
                "name": f"{config}-files",
                "description": f"The Parquet shards of the `{config}` config.",
                "encodingFormat": "application/x-parquet",
                "includes": pattern(config),
            }
        )
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": "http://mlcommons.org/croissant/1.0",
        **meta,
        "distribution": distribution,
        "recordSet": [
            {
                "@type": "cr:RecordSet",
                "@id": config,
                "name": config,
                "description": model.__doc__.strip(),
                "field": [_field(config, field) for field in schemas[config]],
            }
            for config, model in CONFIGS.items()
        ],
    }
