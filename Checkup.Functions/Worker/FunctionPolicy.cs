using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Checkup.Functions.Worker;

/// <summary>Anyone may call the function; a valid token still signs the caller in (health shows errors to admins).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AnonymousAttribute : Attribute;

/// <summary>Only a token with the admin role (<c>Auth__AdminRole</c>).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AdminOnlyAttribute : Attribute;

/// <summary>A write: counted against the caller's <c>RateLimits__WritesPerMinute</c> (429 with Retry-After past it).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class WriteLimitedAttribute : Attribute;

/// <summary>The request body's limit in bytes: 413 before anything is read when Content-Length is over it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BodyLimitAttribute(long bytes) : Attribute
{
    public long Bytes => bytes;
}

public enum Access
{
    /// <summary>Secure by default: a function without an attribute needs a signed-in person with a subject.</summary>
    User,
    Anonymous,
    Admin,
}

/// <summary>What the HTTP middleware enforces for one function, read once from its method's attributes.</summary>
public sealed record FunctionPolicy(Access Access, bool WriteLimited, long? BodyLimit)
{
    public static FunctionPolicy For(FunctionContext context) => FunctionCatalogue.Named(context.FunctionDefinition.Name).Policy;

    public static FunctionPolicy Read(MethodInfo method)
    {
        var access = method.IsDefined(typeof(AnonymousAttribute)) ? Access.Anonymous
            : method.IsDefined(typeof(AdminOnlyAttribute)) ? Access.Admin
            : Access.User;
        return new FunctionPolicy(access, method.IsDefined(typeof(WriteLimitedAttribute)), method.GetCustomAttribute<BodyLimitAttribute>()?.Bytes);
    }
}
