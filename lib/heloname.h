/* heloname.h: the name this host gives itself */
#ifndef SMARTHOST_HELONAME_H
#define SMARTHOST_HELONAME_H

/* $HELONAME when set and not empty, else the host name (gethostname),
   else "localhost": a host name that cannot be read does not stop mail.
   For the smtpd's greeting and Received, smarthost-remote's EHLO, the
   bounces' Reporting-MTA, sendmail's Message-ID. The string is static. */
char const *heloname_get (void);

#endif
