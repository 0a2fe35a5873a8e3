namespace Checkup.Core.Submissions;

/// <summary>What a form may hold (shape and lengths, checked on every save) and what a submission needs (completeness).</summary>
public static class SubmissionRules
{
    public const int Slots = 3;
    public const int MaxNameLength = 200;
    public const int MaxRoleLength = 200;
    public const int MaxDescriptionLength = 5000;


    /// <summary>
    /// The form as three slots, or the per-field reasons it cannot be stored at all (too many projects, a slot out of
    /// place, an over-long field, text PostgreSQL cannot hold). Drafts may be incomplete; they may not be malformed.
    /// </summary>
    public static (IReadOnlyList<ProjectValues> Slots, Dictionary<string, string[]> Errors) Shape(FormState form)
    {
        var errors = new Dictionary<string, string[]>();
        var projects = form.Projects;
        if (projects is null)
        {
            errors["projects"] = ["'projects' must be an array of at most 3 projects."];
            return ([], errors);
        }

        if (projects.Count > Slots)
        {
            errors["projects"] = [$"A submission has {Slots} project slots; {projects.Count} projects were sent."];
            return ([], errors);
        }

        var slots = new ProjectValues[Slots];
        for (var i = 0; i < Slots; i++)
        {
            var input = i < projects.Count ? projects[i] : null;
            if (i < projects.Count && input is null)
            {
                errors[$"projects[{i}]"] = ["A project must be an object."];
                continue;
            }

            if (input?.Slot is { } slot && slot != i + 1)
            {
                errors[$"projects[{i}].slot"] = [$"Slot {slot} is not this project's position: projects[{i}] is slot {i + 1}."];
            }

            CheckText(errors, i, "name", input?.Name, MaxNameLength);
            CheckText(errors, i, "description", input?.Description, MaxDescriptionLength);
            CheckText(errors, i, "role", input?.Role, MaxRoleLength);
            slots[i] = input is null ? ProjectValues.Empty : new ProjectValues(input.Name, input.Description, input.Role, input.ImageId);
        }

        return (slots, errors);
    }

    /// <summary>Everything that keeps these slots from being submitted, image states included (null: unknown image).</summary>
    public static List<BlockingReason> Missing(IReadOnlyList<ProjectValues> slots, IReadOnlyList<ImageReadiness?> images)
    {
        var reasons = new List<BlockingReason>();
        for (var i = 0; i < slots.Count; i++)
        {
            var project = slots[i];
            var n = i + 1;
            Require(reasons, i, "name", project.Name, $"Project {n} needs a name.");
            Require(reasons, i, "description", project.Description, $"Project {n} needs a description.");
            Require(reasons, i, "role", project.Role, $"Project {n} needs your role.");
            if (project.ImageId is null)
            {
                reasons.Add(new($"projects[{i}].imageId", "required", $"Project {n} needs an image."));
            }
            else if (images[i] is { Submittable: false, Status: var status })
            {
                reasons.Add(new($"projects[{i}].imageId", "image_not_ready", status is "uploaded"
                    ? $"Project {n}'s image is still uploading."
                    : $"Project {n}'s image could not be stored; upload it again."));
            }
        }

        return reasons;
    }

    public static Dictionary<string, string[]> AsErrors(IEnumerable<BlockingReason> reasons) =>
        reasons.GroupBy(r => r.Field).ToDictionary(g => g.Key, g => g.Select(r => r.Message).ToArray());

    private static void Require(List<BlockingReason> reasons, int index, string field, string? value, string message)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            reasons.Add(new($"projects[{index}].{field}", "required", message));
        }
    }

    private static void CheckText(Dictionary<string, string[]> errors, int index, string field, string? value, int maxLength)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length > maxLength)
        {
            errors[$"projects[{index}].{field}"] = [$"At most {maxLength} characters; {value.Length} were sent."];
        }
        else if (!IsStorable(value))
        {
            errors[$"projects[{index}].{field}"] = ["Contains a NUL character or a broken UTF-16 surrogate, which cannot be stored."];
        }
    }

    /// <summary>PostgreSQL text holds no NUL, and a lone surrogate has no UTF-8 form.</summary>
    private static bool IsStorable(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0' || char.IsLowSurrogate(c))
            {
                return false;
            }

            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
        }

        return true;
    }
}

/// <summary>An attached image's status and whether a submit accepts it (SQL function <c>image_submittable</c>, migration 0005).</summary>
public sealed record ImageReadiness(string Status, bool Submittable);
