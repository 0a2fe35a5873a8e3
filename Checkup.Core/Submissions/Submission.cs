namespace Checkup.Core.Submissions;

/// <summary>A person's submission as the API shows it: three slots, image states, and whether it can be submitted now.</summary>
public sealed record Submission(
    Guid Id,
    string Status,
    int Version,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? SubmittedAt,
    IReadOnlyList<Project> Projects,
    bool CanSubmit,
    IReadOnlyList<BlockingReason> BlockingReasons)
{
    public const string Draft = "draft";
    public const string Submitted = "submitted";
}

public sealed record Project(int Slot, string? Name, string? Description, string? Role, Guid? ImageId, ProjectImage? Image);

/// <summary>The attached image's pipeline state (<c>uploaded</c>, <c>saved-locally</c>, <c>saved-cld</c>, ...).</summary>
public sealed record ProjectImage(Guid Id, string Status, string? Url, string? Error);

/// <summary>Why submitting now would be refused; <c>field</c> names the form field (<c>projects[0].name</c>).</summary>
public sealed record BlockingReason(string Field, string Code, string Message);
