-- Cloudinary's own id for the stored asset, kept next to public_id and version for operators.
alter table images add column cloudinary_asset_id text;

-- Idempotency-Key of POST /api/images, per owner: a repeated request with the same key answers with the image
-- the first one created instead of storing the bytes twice. Removed with the image.
create table image_idempotency_keys (
    owner_id   text        not null,
    key        text        not null,
    image_id   uuid        not null references images (id) on delete cascade,
    created_at timestamptz not null default now(),
    primary key (owner_id, key)
);

create index image_idempotency_keys_image_idx on image_idempotency_keys (image_id);
