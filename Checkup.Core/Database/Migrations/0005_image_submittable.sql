-- Whether a submit accepts an attached image: its bytes are safe when staged, in Cloudinary, or staged and still
-- being retried (a failed push with a next attempt scheduled). A push that failed for good, or ran out of
-- attempts, has no next attempt: such an image must be uploaded again. One definition for every statement.
create function image_submittable(status text, next_attempt_at timestamptz) returns boolean
    language sql immutable parallel safe
    return status in ('saved-locally', 'saved-cld') or (status = 'cld-upload-failure' and next_attempt_at is not null);
