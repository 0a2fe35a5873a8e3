namespace Checkup.Core.Submissions;

/// <summary>
/// One submissions row with its three images' states, as every submission statement returns it, plus the
/// statement's own verdict (<see cref="Changed"/>, the image ids it refused).
/// </summary>
internal sealed record SubmissionRow
{
    public Guid Id { get; init; }
    public string AuthorId { get; init; } = "";
    public string Status { get; init; } = "";
    public int Version { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public DateTime? SubmittedAt { get; init; }

    public string? Project1Name { get; init; }
    public string? Project1Description { get; init; }
    public string? Project1Role { get; init; }
    public Guid? Project1Image { get; init; }
    public string? Project2Name { get; init; }
    public string? Project2Description { get; init; }
    public string? Project2Role { get; init; }
    public Guid? Project2Image { get; init; }
    public string? Project3Name { get; init; }
    public string? Project3Description { get; init; }
    public string? Project3Role { get; init; }
    public Guid? Project3Image { get; init; }

    public string? Image1Status { get; init; }
    public string? Image1Url { get; init; }
    public string? Image1Error { get; init; }
    public bool Image1Submittable { get; init; }
    public string? Image2Status { get; init; }
    public string? Image2Url { get; init; }
    public string? Image2Error { get; init; }
    public bool Image2Submittable { get; init; }
    public string? Image3Status { get; init; }
    public string? Image3Url { get; init; }
    public string? Image3Error { get; init; }
    public bool Image3Submittable { get; init; }

    /// <summary>The statement inserted or updated this row (false: this is the unchanged current copy).</summary>
    public bool Changed { get; init; }
    public Guid[] ForeignImageIds { get; init; } = [];
    public Guid[] UnreadyImageIds { get; init; } = [];

    public IReadOnlyList<ProjectValues> Slots =>
    [
        new(Project1Name, Project1Description, Project1Role, Project1Image),
        new(Project2Name, Project2Description, Project2Role, Project2Image),
        new(Project3Name, Project3Description, Project3Role, Project3Image),
    ];

    public IReadOnlyList<ImageReadiness?> Images =>
    [
        Image1Status is null ? null : new(Image1Status, Image1Submittable),
        Image2Status is null ? null : new(Image2Status, Image2Submittable),
        Image3Status is null ? null : new(Image3Status, Image3Submittable),
    ];

    /// <summary>The three slots with their images' states, as every view of a submission shows them.</summary>
    public IReadOnlyList<Project> Projects()
    {
        var images = new[] { (Image1Status, Image1Url, Image1Error), (Image2Status, Image2Url, Image2Error), (Image3Status, Image3Url, Image3Error) };
        return Slots.Select((p, i) => new Project(i + 1, p.Name, p.Description, p.Role, p.ImageId,
            p.ImageId is { } imageId && images[i].Item1 is { } status ? new ProjectImage(imageId, status, images[i].Item2, images[i].Item3) : null)).ToList();
    }

    public Submission ToSubmission(bool deadlinePassed)
    {
        var slots = Slots;
        var projects = Projects();

        List<BlockingReason> reasons = Status == Submission.Submitted
            ? [new("status", "submitted", "This submission has been submitted; it can no longer change.")]
            : SubmissionRules.Missing(slots, Images);
        if (deadlinePassed && Status != Submission.Submitted)
        {
            reasons.Insert(0, new("status", "deadline_passed", "The submission deadline has passed."));
        }

        return new Submission(Id, Status, Version, CreatedAt, UpdatedAt, SubmittedAt, projects, reasons.Count == 0, reasons);
    }

    /// <summary>The columns and joins every statement ends with; <c>r</c> is the row the statement settled on.</summary>
    public const string Columns = """
        id, author_id, status, version, created_at, updated_at, submitted_at,
        project_1_name, project_1_description, project_1_role, project_1_image,
        project_2_name, project_2_description, project_2_role, project_2_image,
        project_3_name, project_3_description, project_3_role, project_3_image
        """;

    public const string ResultColumns = """
        r.id, r.author_id, r.status, r.version, r.created_at, r.updated_at, r.submitted_at,
        r.project_1_name, r.project_1_description, r.project_1_role, r.project_1_image,
        r.project_2_name, r.project_2_description, r.project_2_role, r.project_2_image,
        r.project_3_name, r.project_3_description, r.project_3_role, r.project_3_image,
        i1.status as image_1_status, i1.cloudinary_url as image_1_url, i1.error as image_1_error, image_submittable(i1.status, i1.next_attempt_at) as image_1_submittable,
        i2.status as image_2_status, i2.cloudinary_url as image_2_url, i2.error as image_2_error, image_submittable(i2.status, i2.next_attempt_at) as image_2_submittable,
        i3.status as image_3_status, i3.cloudinary_url as image_3_url, i3.error as image_3_error, image_submittable(i3.status, i3.next_attempt_at) as image_3_submittable
        """;

    public const string ImageJoins = """
        left join images i1 on i1.id = r.project_1_image
        left join images i2 on i2.id = r.project_2_image
        left join images i3 on i3.id = r.project_3_image
        """;
}
