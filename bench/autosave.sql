-- pgbench script: the autosave statement of SubmissionStore.SaveDraftAsync (Checkup.Core/Submissions), as the app sends
-- it for a save without If-Match and without images, one row per client (author 'bench-autosave-<client_id>', the rows
-- the app's own users created). Keep it in step with the app's SQL. Values come from pgbench -D (bench/Checkup.Bench).
with wanted as (
    select distinct unnest(:images::uuid[]) as id
),
foreign_images as (
    select w.id from wanted w
    where not exists (select 1 from images i where i.id = w.id and i.owner_id = 'bench-autosave-' || :client_id)
),
updated as (
    update submissions set
        project_1_name = :name, project_1_description = :description, project_1_role = :role, project_1_image = null,
        project_2_name = :name, project_2_description = :description, project_2_role = :role, project_2_image = null,
        project_3_name = :name, project_3_description = :description, project_3_role = :role, project_3_image = null,
        version = version + 1,
        updated_at = now()
    where author_id = 'bench-autosave-' || :client_id
      and status = 'draft'
      and (null::int[] is null or version = any(null::int[]))
      and not exists (select 1 from foreign_images)
    returning id, author_id, status, version, created_at, updated_at, submitted_at,
        project_1_name, project_1_description, project_1_role, project_1_image,
        project_2_name, project_2_description, project_2_role, project_2_image,
        project_3_name, project_3_description, project_3_role, project_3_image
),
unchanged as (
    select id, author_id, status, version, created_at, updated_at, submitted_at,
        project_1_name, project_1_description, project_1_role, project_1_image,
        project_2_name, project_2_description, project_2_role, project_2_image,
        project_3_name, project_3_description, project_3_role, project_3_image
    from submissions
    where author_id = 'bench-autosave-' || :client_id and not exists (select 1 from updated)
    for update
),
result_row as (
    select id, author_id, status, version, created_at, updated_at, submitted_at,
        project_1_name, project_1_description, project_1_role, project_1_image,
        project_2_name, project_2_description, project_2_role, project_2_image,
        project_3_name, project_3_description, project_3_role, project_3_image, true as changed from updated
    union all
    select id, author_id, status, version, created_at, updated_at, submitted_at,
        project_1_name, project_1_description, project_1_role, project_1_image,
        project_2_name, project_2_description, project_2_role, project_2_image,
        project_3_name, project_3_description, project_3_role, project_3_image, false from unchanged
)
select r.id, r.author_id, r.status, r.version, r.created_at, r.updated_at, r.submitted_at,
    r.project_1_name, r.project_1_description, r.project_1_role, r.project_1_image,
    r.project_2_name, r.project_2_description, r.project_2_role, r.project_2_image,
    r.project_3_name, r.project_3_description, r.project_3_role, r.project_3_image,
    i1.status as image_1_status, i1.cloudinary_url as image_1_url, i1.error as image_1_error,
    i2.status as image_2_status, i2.cloudinary_url as image_2_url, i2.error as image_2_error,
    i3.status as image_3_status, i3.cloudinary_url as image_3_url, i3.error as image_3_error,
    r.changed,
    array(select id from foreign_images) as foreign_image_ids
from result_row r
left join images i1 on i1.id = r.project_1_image
left join images i2 on i2.id = r.project_2_image
left join images i3 on i3.id = r.project_3_image;
