"""The abstracts dataset pipeline: raw dumps in, a published dataset out."""
