using Microsoft.Extensions.DependencyInjection;

namespace Checkup.Core.Admin;

internal static class AdminRegistration
{
    public static IServiceCollection AddAdmin(this IServiceCollection services)
    {
        services.AddSingleton<AdminSubmissionStore>();
        services.AddSingleton<AdminImageStore>();
        services.AddSingleton<AdminStatsStore>();
        services.AddScoped<UserErasure>(); // holds the typed Cloudinary HttpClient, which the factory rotates
        return services;
    }
}
